// The per-cluster secret that spreads profiles over the digest buckets. With a public spread a
// tenant could pick, offline, profile names that fall in a victim's bucket (one in 2,048
// tries) and crowd or churn it; keyed by a salt no tenant can read, a bucket cannot be aimed
// at. The controller creates the salt once (kept in a Secret of the operator's namespace,
// never changed); the agents read it; a node status names the salt its digests use.
import { createHash, createHmac, randomBytes } from "node:crypto";
import { isAlreadyExists } from "../kube/api-error.js";
import type { KubeObject } from "../kube/objects.js";
import type { Resource } from "../kube/resource.js";
import type { RestClient } from "../kube/rest-client.js";
import { DIGEST_BUCKETS } from "./install-digest.js";

export const DIGEST_SALT_SECRET = "seccomp-operator-digest-salt";
export const DIGEST_SALT_KEY = "salt";
export const DIGEST_SALT_BYTES = 32;
const SECRETS: Resource = { group: "", version: "v1", plural: "secrets" };

export interface SecretRef {
  namespace: string;
  name: string;
}

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

/** The bucket spread of one salt; `id` names the salt in node statuses without revealing it. */
export class DigestSalt {
  readonly id: string;

  constructor(private readonly salt: Buffer) {
    if (salt.length !== DIGEST_SALT_BYTES) throw new Error(`a digest salt has ${DIGEST_SALT_BYTES} bytes, not ${salt.length}`);
    this.id = saltId(salt);
  }

  /** The bucket of a profile key: HMAC-SHA256 keyed by the salt, first 4 bytes big-endian, modulo the bucket count. */
  bucketOf(key: string): number {
    return createHmac("sha256", this.salt).update(key).digest().readUInt32BE(0) % DIGEST_BUCKETS;
  }

  static random(): DigestSalt {
    return new DigestSalt(randomBytes(DIGEST_SALT_BYTES));
  }

  /** The Secret's content for this salt. */
  secretData(): Record<string, string> {
    return { [DIGEST_SALT_KEY]: this.salt.toString("base64") };
  }
}

/** The first 16 hex digits of sha256("salt-id\n" + salt): equal ids mean equal salts. */
export function saltId(salt: Buffer): string {
  return createHash("sha256").update("salt-id\n").update(salt).digest("hex").slice(0, 16);
}

/** The salt a Secret holds; an error naming the Secret and the field when it holds none. */
export function saltFromSecret(secret: SecretObject, ref: SecretRef): DigestSalt {
  const text = secret.data?.[DIGEST_SALT_KEY];
  const bytes = text === undefined ? undefined : Buffer.from(text, "base64");
  if (bytes?.length !== DIGEST_SALT_BYTES) throw new Error(`Secret ${ref.namespace}/${ref.name}: data.${DIGEST_SALT_KEY} must be ${DIGEST_SALT_BYTES} bytes of base64 (${text === undefined ? "missing" : `${bytes?.length ?? 0} bytes`})`);
  return new DigestSalt(bytes);
}

/** The stored salt; undefined while the Secret does not exist. */
export async function readDigestSalt(client: RestClient, ref: SecretRef, signal?: AbortSignal): Promise<DigestSalt | undefined> {
  const secret = await client.find<SecretObject>({ ...SECRETS, ...ref }, signal ? { signal } : {});
  return secret === undefined ? undefined : saltFromSecret(secret, ref);
}

/**
 * The cluster's salt, creating the Secret when it is absent. Race-safe without a leader: a
 * create never replaces, so when two callers create at once one wins and the other reads it.
 */
export async function ensureDigestSalt(client: RestClient, ref: SecretRef, signal?: AbortSignal): Promise<{ salt: DigestSalt; created: boolean }> {
  const existing = await readDigestSalt(client, ref, signal);
  if (existing !== undefined) return { salt: existing, created: false };
  const salt = DigestSalt.random();
  const body: SecretObject = { apiVersion: "v1", kind: "Secret", metadata: { name: ref.name, namespace: ref.namespace }, type: "Opaque", data: salt.secretData() } as SecretObject;
  try {
    await client.create<SecretObject>({ ...SECRETS, namespace: ref.namespace }, body, signal ? { signal } : {});
    return { salt, created: true };
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  const stored = await readDigestSalt(client, ref, signal);
  if (stored === undefined) throw new Error(`Secret ${ref.namespace}/${ref.name} was created by another replica but cannot be read`);
  return { salt: stored, created: false };
}
