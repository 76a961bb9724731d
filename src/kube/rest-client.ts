// A small JSON client for the Kubernetes API over the KubeConfig's transport
// (TLS, client certificates, tokens, proxies), for what client-node's typed
// clients get wrong: they re-serialize known kinds through their models and
// silently drop fields they do not model, which loses custom resources' fields
// and breaks server-side apply. Refusals come back as ApiError (see
// api-error.ts); transport failures as the underlying Error.
import { request as httpRequest, type IncomingMessage, type RequestOptions as HttpRequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import type { ClusterAccess } from "./cluster-access.js";
import { ApiError, isGone, isStatus, type Status } from "./api-error.js";
import { readLines } from "./json-lines.js";
import { listItems } from "./list-stream.js";
import type { KubeObject, ObjectList } from "./objects.js";
import { queryString, resourcePath, type ResourceRef } from "./resource.js";

export const APPLY_PATCH = "application/apply-patch+yaml";
export const MERGE_PATCH = "application/merge-patch+json";
export const JSON_PATCH = "application/json-patch+json";

export interface RestClientOptions {
  /** Limit for one request (not a watch); default 30 s. */
  requestTimeoutMs?: number;
  userAgent?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's request time limit for this call. */
  timeoutMs?: number;
}

export interface SelectorOptions {
  labelSelector?: string;
  /** e.g. `spec.nodeName=node-1` for the pods of one node. */
  fieldSelector?: string;
}

export interface ListOptions extends CallOptions, SelectorOptions {
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
}

export interface WatchOptions extends SelectorOptions {
  signal?: AbortSignal;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** The server ends the watch cleanly after this long. */
  timeoutSeconds?: number;
}

export interface WriteOptions extends CallOptions {
  fieldManager?: string;
  dryRun?: boolean;
  fieldValidation?: "Strict" | "Warn" | "Ignore";
}

export interface ApplyOptions extends WriteOptions {
  fieldManager: string;
  /** Take fields other managers own instead of failing with 409 Conflict. */
  force?: boolean;
}

export interface DeleteOptions extends CallOptions {
  /** The delete fails with 409 unless the object still has this uid / resourceVersion. */
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: "Foreground" | "Background" | "Orphan";
  gracePeriodSeconds?: number;
  dryRun?: boolean;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface WatchEvent<T extends KubeObject> {
  type: WatchEventType;
  /** For BOOKMARK only metadata.resourceVersion is meaningful. */
  object: T;
}

interface SendOptions extends CallOptions {
  body?: unknown;
  contentType?: string;
  /** No time limit; the caller ends the response through its signal. */
  streaming?: boolean;
}

export class RestClient {
  private readonly requestTimeoutMs: number;

  constructor(
    readonly kubeConfig: ClusterAccess,
    private readonly options: RestClientOptions = {},
  ) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  async get<T extends KubeObject>(ref: ResourceRef, options: CallOptions = {}): Promise<T> {
    return this.json<T>("GET", resourcePath(ref), options);
  }

  /** Like get, but a missing object is `undefined` rather than an error. */
  async find<T extends KubeObject>(ref: ResourceRef, options: CallOptions = {}): Promise<T | undefined> {
    try {
      return await this.get<T>(ref, options);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  /** One page of a collection. */
  async list<T extends KubeObject>(ref: ResourceRef, options: ListOptions = {}): Promise<ObjectList<T>> {
    const list = await this.json<ObjectList<T>>("GET", resourcePath({ ...ref, name: undefined }) + listQuery(options), options);
    list.items ??= [];
    list.metadata ??= {};
    return list;
  }

  /**
   * Every page of a collection, as one list from one consistent snapshot
   * (whose resourceVersion is the list's). If the snapshot is compacted away
   * between pages (410), the collection is read again in one request.
   * Each response is read item by item as it arrives and `transform` applied to
   * each, so no response is ever held whole (one from the watch cache holds
   * the whole collection whatever the limit).
   */
  async listAll<T extends KubeObject>(ref: ResourceRef, options: ListOptions & { transform?: (item: T) => T } = {}): Promise<ObjectList<T>> {
    const { transform, ...listOptions } = options;
    const items: T[] = [];
    const read = (pageOptions: ListOptions) => this.listStreamed<T>(ref, pageOptions, (item) => items.push(transform === undefined ? item : transform(item)));
    let page = await read({ ...listOptions, limit: listOptions.limit ?? 500, continue: undefined });
    while (page.continue) {
      try {
        // A continuation carries its snapshot; a resourceVersion with it is refused.
        page = await read({ ...listOptions, limit: listOptions.limit ?? 500, continue: page.continue, resourceVersion: undefined, resourceVersionMatch: undefined });
      } catch (err) {
        if (!isGone(err)) throw err;
        items.length = 0;
        page = await read({ ...listOptions, limit: undefined, continue: undefined });
      }
    }
    return { apiVersion: page.apiVersion, kind: page.kind, metadata: { resourceVersion: page.resourceVersion }, items };
  }

  /** One page, each item handed to `onItem` as it is read; returns the list's own fields. */
  private async listStreamed<T extends KubeObject>(
    ref: ResourceRef,
    options: ListOptions,
    onItem: (item: T) => void,
  ): Promise<{ apiVersion?: string; kind?: string; resourceVersion?: string; continue?: string }> {
    const path = resourcePath({ ...ref, name: undefined }) + listQuery(options);
    const res = await this.send("GET", path, options);
    const code = res.statusCode ?? 0;
    if (code < 200 || code > 299) throw ApiError.fromResponse(code, await readBody(res), `GET ${path}`);
    let rest = "{}";
    for await (const text of listItems(res, (r) => (rest = r))) onItem(JSON.parse(text) as T);
    const list = JSON.parse(rest) as Partial<ObjectList<T>>;
    return { apiVersion: list.apiVersion, kind: list.kind, resourceVersion: list.metadata?.resourceVersion, continue: list.metadata?.continue || undefined };
  }

  /** POST to the collection; the namespace defaults to the object's. */
  async create<T extends KubeObject>(ref: ResourceRef, body: T, options: WriteOptions = {}): Promise<T> {
    const target = { ...ref, name: undefined, subresource: undefined, namespace: ref.namespace ?? body.metadata?.namespace };
    return this.json<T>("POST", resourcePath(target) + writeQuery(options), { ...options, body });
  }

  /** PUT: replaces the object; a metadata.resourceVersion in the body makes it conditional (409 on mismatch). */
  async replace<T extends KubeObject>(ref: ResourceRef, body: T, options: WriteOptions = {}): Promise<T> {
    return this.json<T>("PUT", resourcePath(objectRef(ref, body)) + writeQuery(options), { ...options, body });
  }

  /** JSON merge patch (RFC 7386); a metadata.resourceVersion in the patch makes it conditional. */
  async mergePatch<T extends KubeObject>(ref: ResourceRef, patch: unknown, options: WriteOptions = {}): Promise<T> {
    return this.json<T>("PATCH", resourcePath(ref) + writeQuery(options), { ...options, body: patch, contentType: MERGE_PATCH });
  }

  /** JSON patch (RFC 6902); a `test` operation makes it conditional on what it checks. */
  async jsonPatch<T extends KubeObject>(ref: ResourceRef, operations: unknown[], options: WriteOptions = {}): Promise<T> {
    return this.json<T>("PATCH", resourcePath(ref) + writeQuery(options), { ...options, body: operations, contentType: JSON_PATCH });
  }

  /**
   * Server-side apply: `body` is the complete intent of `fieldManager` for
   * this object (or its subresource, e.g. `subresource: "status"`). Fields it
   * no longer lists and owns alone are removed. Creates the object if needed.
   */
  async apply<T extends KubeObject>(ref: ResourceRef, body: KubeObject, options: ApplyOptions): Promise<T> {
    const query = writeQuery(options, { force: options.force ? true : undefined });
    return this.json<T>("PATCH", resourcePath(objectRef(ref, body)) + query, { ...options, body, contentType: APPLY_PATCH });
  }

  /** The object as it is while finalizers hold it, `undefined` once it is gone. */
  async delete<T extends KubeObject>(ref: ResourceRef, options: DeleteOptions = {}): Promise<T | undefined> {
    const body = {
      apiVersion: "v1",
      kind: "DeleteOptions",
      preconditions: options.preconditions,
      propagationPolicy: options.propagationPolicy,
      gracePeriodSeconds: options.gracePeriodSeconds,
      dryRun: options.dryRun ? ["All"] : undefined,
    };
    const result = await this.json<T | Status>("DELETE", resourcePath(ref), { ...options, body });
    return isStatus(result) ? undefined : result;
  }

  /**
   * A watch as an async iterable of events. It ends when the server closes
   * the stream cleanly (or `signal` aborts); an ERROR event (e.g. 410 for a
   * compacted resourceVersion) and a broken connection are thrown.
   */
  async *watch<T extends KubeObject>(ref: ResourceRef, options: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const query = queryString({
      watch: 1,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      resourceVersion: options.resourceVersion,
      allowWatchBookmarks: options.allowWatchBookmarks ? true : undefined,
      timeoutSeconds: options.timeoutSeconds,
    });
    const path = resourcePath({ ...ref, name: undefined }) + query;
    const what = `GET ${path}`;
    if (options.signal?.aborted) return;
    let res: IncomingMessage;
    try {
      res = await this.send("GET", path, { signal: options.signal, streaming: true });
    } catch (err) {
      if (options.signal?.aborted) return;
      throw err;
    }
    try {
      if (res.statusCode !== 200) throw ApiError.fromResponse(res.statusCode ?? 0, await readBody(res), what);
      for await (const line of readLines(res)) {
        const event = JSON.parse(line) as { type: string; object: unknown };
        if (event.type === "ERROR") {
          const status = (isStatus(event.object) ? event.object : { message: line }) as Status;
          throw new ApiError(status.code ?? 500, status, what);
        }
        yield event as WatchEvent<T>;
      }
    } catch (err) {
      if (options.signal?.aborted) return;
      throw err;
    } finally {
      res.destroy();
    }
  }

  private async json<T>(method: string, path: string, options: SendOptions): Promise<T> {
    const res = await this.send(method, path, options);
    const text = await readBody(res);
    const code = res.statusCode ?? 0;
    if (code < 200 || code > 299) throw ApiError.fromResponse(code, text, `${method} ${path}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** Sends a request and resolves with the response once its headers arrived. */
  private async send(method: string, path: string, options: SendOptions): Promise<IncomingMessage> {
    const server = this.kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error("the kubeconfig has no current cluster");
    // A server URL with a path prefix (behind a proxy) keeps it.
    const base = new URL(server);
    const url = new URL(base.origin + base.pathname.replace(/\/$/, "") + path);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (payload !== undefined) {
      headers["Content-Type"] = options.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    if (this.options.userAgent) headers["User-Agent"] = this.options.userAgent;
    const requestOptions: HttpRequestOptions = { method, headers };
    // Adds TLS material, the agent and the Authorization header (re-read for
    // rotating service-account tokens), so it runs for every request.
    await this.kubeConfig.applyToHTTPSOptions(requestOptions);

    const timeoutMs = options.streaming ? undefined : (options.timeoutMs ?? this.requestTimeoutMs);
    const timeout = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    const signals = [options.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const what = `${method} ${path}`;

    return new Promise<IncomingMessage>((resolve, reject) => {
      const send = url.protocol === "http:" ? httpRequest : httpsRequest;
      const req = send(url, { ...requestOptions, signal }, (res) => {
        if (timeout) {
          // The time limit covers reading the body too.
          const expire = () => res.destroy(new Error(`${what}: timed out after ${timeoutMs} ms`));
          timeout.addEventListener("abort", expire, { once: true });
          // Until its timer fires, a listener keeps the request and the response alive: at a
          // hundred requests a second, thousands of finished ones.
          res.once("close", () => timeout.removeEventListener("abort", expire));
        }
        resolve(res);
      });
      req.on("error", (err) => {
        if (timeout?.aborted) reject(new Error(`${what}: timed out after ${timeoutMs} ms`));
        else reject(transportError(what, err));
      });
      req.end(payload);
    });
  }
}

function objectRef(ref: ResourceRef, body: KubeObject): ResourceRef {
  const name = ref.name ?? body.metadata?.name;
  if (!name) throw new Error(`no name for ${ref.plural}: give ref.name or metadata.name`);
  return { ...ref, name, namespace: ref.namespace ?? body.metadata?.namespace };
}

function listQuery(options: ListOptions): string {
  return queryString({
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
    limit: options.limit,
    continue: options.continue,
    resourceVersion: options.resourceVersion,
    resourceVersionMatch: options.resourceVersionMatch,
  });
}

function writeQuery(options: WriteOptions, extra: Record<string, string | boolean | undefined> = {}): string {
  return queryString({
    fieldManager: options.fieldManager,
    dryRun: options.dryRun ? "All" : undefined,
    fieldValidation: options.fieldValidation,
    ...extra,
  });
}

/** Names the request in the message; keeps `code` (ECONNREFUSED, ...) and `name` (AbortError) for callers. */
function transportError(what: string, err: Error): Error {
  const wrapped: NodeJS.ErrnoException = new Error(`${what}: ${err.message}`, { cause: err });
  wrapped.name = err.name;
  wrapped.code = (err as NodeJS.ErrnoException).code;
  return wrapped;
}

async function readBody(res: IncomingMessage): Promise<string> {
  res.setEncoding("utf8");
  let text = "";
  for await (const chunk of res) text += chunk as string;
  return text;
}
