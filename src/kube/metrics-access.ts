// Who may read /metrics, as controller-runtime's secure metrics serving decides it: the bearer
// token is authenticated by a TokenReview and the user it names authorized by a
// SubjectAccessReview for the non-resource URL (`get /metrics`, granted by the
// `metrics-reader` ClusterRole). Both reviews are the daemon's own requests, with its own
// credentials. Answers are cached briefly (review-cache.ts), and reviews in flight are capped,
// so neither a scrape storm nor a stream of random tokens floods the API server.
import type { RestClient } from "./rest-client.js";
import { ReviewCache, type ReviewCacheOptions } from "./review-cache.js";

export type AccessDecision =
  | { allowed: true; user: string }
  /** 401: no token, or one the API server does not know; 403: a user without the grant; 429: too many reviews at once. */
  | { allowed: false; status: 401 | 403 | 429; reason: string };

export interface MetricsAccessOptions {
  client: RestClient;
  cache?: ReviewCacheOptions;
  /** Reviews of distinct tokens at once; past it a request is refused with 429 (default 16). */
  maxInFlight?: number;
}

const TOKEN_REVIEWS = { group: "authentication.k8s.io", version: "v1", plural: "tokenreviews" };
const ACCESS_REVIEWS = { group: "authorization.k8s.io", version: "v1", plural: "subjectaccessreviews" };

type TokenReview = {
  apiVersion: string;
  kind: string;
  spec: { token: string };
  status?: { authenticated?: boolean; error?: string; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } };
};

type SubjectAccessReview = {
  apiVersion: string;
  kind: string;
  spec: { user?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]>; nonResourceAttributes: { path: string; verb: string } };
  status?: { allowed?: boolean; denied?: boolean; reason?: string };
};

export class MetricsAccess {
  private readonly cache: ReviewCache<AccessDecision>;
  private readonly inFlight = new Map<string, Promise<AccessDecision>>();
  private readonly maxInFlight: number;

  constructor(private readonly options: MetricsAccessOptions) {
    this.cache = new ReviewCache(options.cache);
    this.maxInFlight = options.maxInFlight ?? 16;
  }

  /** The decision for an `Authorization` header; a failed review (the API server's trouble) throws and is not cached. */
  async review(authorization: string | undefined, path: string, verb: string): Promise<AccessDecision> {
    const token = /^Bearer +(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (token === undefined) return { allowed: false, status: 401, reason: "no bearer token" };
    const key = ReviewCache.keyOf(`${verb} ${path} ${token}`);
    const known = this.cache.get(key);
    if (known !== undefined) return known;
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    if (this.inFlight.size >= this.maxInFlight) return { allowed: false, status: 429, reason: "too many reviews in flight" };
    const decision = this.decide(token, path, verb).then((d) => {
      this.cache.set(key, d);
      return d;
    });
    this.inFlight.set(key, decision);
    try {
      return await decision;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async decide(token: string, path: string, verb: string): Promise<AccessDecision> {
    const review = await this.options.client.create<TokenReview>(TOKEN_REVIEWS, {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      spec: { token },
    });
    const user = review.status?.user;
    if (review.status?.authenticated !== true || user?.username === undefined) return { allowed: false, status: 401, reason: "the token is not valid" };
    const access = await this.options.client.create<SubjectAccessReview>(ACCESS_REVIEWS, {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: {
        user: user.username,
        ...(user.uid === undefined ? {} : { uid: user.uid }),
        ...(user.groups === undefined ? {} : { groups: user.groups }),
        ...(user.extra === undefined ? {} : { extra: user.extra }),
        nonResourceAttributes: { path, verb },
      },
    });
    if (access.status?.allowed === true) return { allowed: true, user: user.username };
    return { allowed: false, status: 403, reason: `${user.username} may not ${verb} ${path}` };
  }
}
