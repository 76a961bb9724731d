// Where a long-running component finds its cluster, in the order controller-runtime uses: an
// explicit --kubeconfig, then KUBECONFIG, then the pod's service account, then ~/.kube/config.
// Nothing falls back to http://localhost:8080, which would make a misconfigured pod talk to
// whatever listens there; that case is an error the caller reports.
//
// A small loader of its own rather than client-node's: it supports what a controller or a
// node agent needs (certificates, bearer tokens, token files that rotate) and refuses the
// rest (auth providers, basic auth) with a clear error. Exec plugins only for commands a person
// runs (`allowExec`): a daemon must not run programs named by a file.
import { existsSync, readFileSync } from "node:fs";
import { Agent, type RequestOptions } from "node:https";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join } from "node:path";
import { parse } from "yaml";
import type { ClusterAccess } from "./cluster-access.js";
import { ExecCredentialSource, type ExecConfig } from "./exec-credential.js";

export type KubeConfigSource = "flag" | "env" | "in-cluster" | "home";

/** `namespace`: the context's (or, in a pod, the service account's) namespace, kubectl's default for namespaced commands. */
export type KubeConfigResult = { ok: true; kubeConfig: ClusterAccess; source: KubeConfigSource; namespace?: string } | { ok: false; error: string };

export interface KubeConfigOptions {
  /** Path given on the command line (`--kubeconfig`). */
  kubeconfig?: string;
  /** Context to use instead of the file's current context. */
  context?: string;
  /** Accept exec plugins (commands a person runs, like kubectl); the daemons do not. */
  allowExec?: boolean;
}

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export function loadKubeConfig(options: KubeConfigOptions = {}): KubeConfigResult {
  const env = process.env;
  try {
    if (options.kubeconfig) return fromFiles([options.kubeconfig], options, "flag");
    if (env.KUBECONFIG) {
      const files = env.KUBECONFIG.split(delimiter).filter((f) => f.length > 0);
      if (files.length === 0) return { ok: false, error: "KUBECONFIG lists no file" };
      return fromFiles(files, options, "env");
    }
    if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) {
      const host = env.KUBERNETES_SERVICE_HOST.includes(":") ? `[${env.KUBERNETES_SERVICE_HOST}]` : env.KUBERNETES_SERVICE_HOST;
      const access = new CredentialedAccess({
        server: `https://${host}:${env.KUBERNETES_SERVICE_PORT}`,
        caFile: join(SERVICE_ACCOUNT_DIR, "ca.crt"),
        tokenFile: join(SERVICE_ACCOUNT_DIR, "token"),
      });
      const namespaceFile = join(SERVICE_ACCOUNT_DIR, "namespace");
      const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, "utf8").trim() : "";
      return { ok: true, kubeConfig: access, source: "in-cluster", ...(namespace ? { namespace } : {}) };
    }
    const home = join(homedir(), ".kube", "config");
    if (!existsSync(home)) return { ok: false, error: "no cluster configuration: pass --kubeconfig, set KUBECONFIG, or run in a pod" };
    return fromFiles([home], options, "home");
  } catch (err) {
    return { ok: false, error: `loading the kubeconfig: ${err instanceof Error ? err.message : String(err)}` };
  }
}

interface Named<T> {
  name: string;
  [key: string]: unknown;
  value: T;
}
type Entry = Record<string, unknown>;

/** KUBECONFIG may list several files; as with kubectl, the first value of each name wins. */
function fromFiles(files: string[], options: KubeConfigOptions, source: KubeConfigSource): KubeConfigResult {
  const clusters = new Map<string, Named<Entry>>();
  const users = new Map<string, Named<Entry>>();
  const contexts = new Map<string, Entry>();
  let current: string | undefined;
  for (const file of files) {
    const doc = (parse(readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
    const base = dirname(file);
    for (const item of list(doc.clusters)) if (!clusters.has(String(item.name))) clusters.set(String(item.name), { name: String(item.name), value: withBase(item.cluster, base) });
    for (const item of list(doc.users)) if (!users.has(String(item.name))) users.set(String(item.name), { name: String(item.name), value: withBase(item.user, base) });
    for (const item of list(doc.contexts)) if (!contexts.has(String(item.name))) contexts.set(String(item.name), (item.context ?? {}) as Entry);
    if (current === undefined && typeof doc["current-context"] === "string" && doc["current-context"] !== "") current = doc["current-context"];
  }
  const name = options.context ?? current;
  if (name === undefined) return { ok: false, error: "the kubeconfig has no current context" };
  const ctx = contexts.get(name);
  if (ctx === undefined) return { ok: false, error: `context ${name} not found in the kubeconfig` };
  const cluster = clusters.get(String(ctx.cluster))?.value;
  if (cluster === undefined || typeof cluster.server !== "string") return { ok: false, error: "the kubeconfig has no current cluster" };
  const user = users.get(String(ctx.user))?.value ?? {};
  for (const unsupported of [...(options.allowExec ? [] : ["exec"]), "auth-provider", "username", "password"]) {
    if (user[unsupported] !== undefined) return { ok: false, error: `the kubeconfig's user uses ${unsupported}, which the operator does not support: use a token, a token file or a client certificate` };
  }
  const exec = user.exec as ExecConfig | undefined;
  if (exec !== undefined && (exec === null || typeof exec.command !== "string" || exec.command === "")) return { ok: false, error: "the kubeconfig's user has an exec plugin without a command" };
  const credentials: Credentials = { server: cluster.server, insecure: cluster["insecure-skip-tls-verify"] === true };
  const data = (key: string) => (typeof key === "string" ? Buffer.from(key, "base64") : undefined);
  if (typeof cluster["certificate-authority-data"] === "string") credentials.ca = data(cluster["certificate-authority-data"]);
  else if (typeof cluster["certificate-authority"] === "string") credentials.caFile = cluster["certificate-authority"];
  if (typeof user["client-certificate-data"] === "string") credentials.cert = data(user["client-certificate-data"]);
  else if (typeof user["client-certificate"] === "string") credentials.cert = readFileSync(user["client-certificate"]);
  if (typeof user["client-key-data"] === "string") credentials.key = data(user["client-key-data"]);
  else if (typeof user["client-key"] === "string") credentials.key = readFileSync(user["client-key"]);
  if (typeof user.token === "string") credentials.token = user.token;
  else if (typeof user.tokenFile === "string") credentials.tokenFile = user.tokenFile;
  if (exec !== undefined) credentials.exec = new ExecCredentialSource(exec, cluster.server);
  const namespace = typeof ctx.namespace === "string" && ctx.namespace !== "" ? { namespace: ctx.namespace } : {};
  return { ok: true, kubeConfig: new CredentialedAccess(credentials), source, ...namespace };
}

function list(value: unknown): Entry[] {
  return Array.isArray(value) ? value.filter((v): v is Entry => v !== null && typeof v === "object") : [];
}

/** Relative file paths in a kubeconfig are relative to the file, as kubectl reads them; so is an exec command with a slash. */
function withBase(value: unknown, base: string): Entry {
  const entry = { ...((value ?? {}) as Entry) };
  for (const key of ["certificate-authority", "client-certificate", "client-key", "tokenFile"]) {
    const path = entry[key];
    if (typeof path === "string" && !isAbsolute(path)) entry[key] = join(base, path);
  }
  const exec = entry.exec as Entry | undefined;
  if (exec && typeof exec.command === "string" && exec.command.includes("/") && !isAbsolute(exec.command)) entry.exec = { ...exec, command: join(base, exec.command) };
  return entry;
}

interface Credentials {
  server: string;
  insecure?: boolean;
  ca?: Buffer | undefined;
  caFile?: string;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  token?: string;
  tokenFile?: string;
  exec?: ExecCredentialSource;
}

/** Service-account tokens rotate; kubelet rewrites the file well before expiry. */
const TOKEN_FILE_TTL_MS = 60_000;

class CredentialedAccess implements ClusterAccess {
  private agent: Agent | undefined;
  private agentCert: string | undefined;
  private token: { value: string; readAt: number } | undefined;

  constructor(private readonly credentials: Credentials) {}

  getCurrentCluster(): { server: string } {
    return { server: this.credentials.server };
  }

  async applyToHTTPSOptions(options: RequestOptions): Promise<void> {
    const exec = await this.credentials.exec?.get();
    // An exec plugin's new client certificate needs new TLS connections.
    if (exec?.cert !== undefined && exec.cert !== this.agentCert) {
      this.agent?.destroy();
      this.agent = undefined;
      this.agentCert = exec.cert;
    }
    // Files are read on first use, so a missing CA is reported by the first request, with its path.
    this.agent ??= new Agent({
      keepAlive: true,
      ca: this.credentials.ca ?? (this.credentials.caFile === undefined ? undefined : readFileSync(this.credentials.caFile)),
      cert: exec?.cert ?? this.credentials.cert,
      key: exec?.key ?? this.credentials.key,
      rejectUnauthorized: this.credentials.insecure !== true,
    });
    options.agent = this.agent;
    const token = exec?.token ?? this.bearerToken();
    if (token !== undefined) options.headers = { ...(options.headers as Record<string, string>), Authorization: `Bearer ${token}` };
  }

  private bearerToken(): string | undefined {
    if (this.credentials.token !== undefined) return this.credentials.token;
    if (this.credentials.tokenFile === undefined) return undefined;
    const now = Date.now();
    if (this.token === undefined || now - this.token.readAt > TOKEN_FILE_TTL_MS) {
      this.token = { value: readFileSync(this.credentials.tokenFile, "utf8").trim(), readAt: now };
    }
    return this.token.value;
  }
}
