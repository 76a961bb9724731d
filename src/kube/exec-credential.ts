// Credentials from a kubeconfig's exec plugin (client.authentication.k8s.io), the way kubectl gets
// them for EKS, GKE, AKS or an OIDC login: run the command, read an ExecCredential from its
// stdout, reuse it until it expires. Only commands a person runs accept exec plugins; the daemons
// refuse them (see kubeconfig.ts).
import { execFile } from "node:child_process";

export interface ExecConfig {
  apiVersion?: string;
  command: string;
  args?: string[] | null;
  env?: { name: string; value: string }[] | null;
  provideClusterInfo?: boolean;
}

export interface ExecCredential {
  token?: string;
  /** PEM, as the plugin prints it. */
  cert?: string;
  key?: string;
  /** Epoch milliseconds; undefined: valid for the life of the process. */
  expiresAt?: number;
}

const DEFAULT_API_VERSION = "client.authentication.k8s.io/v1";
/** A credential this close to its expiry is fetched anew. */
const EXPIRY_MARGIN_MS = 10_000;
const PLUGIN_TIMEOUT_MS = 60_000;

export class ExecCredentialSource {
  private cached: ExecCredential | undefined;
  private running: Promise<ExecCredential> | undefined;

  constructor(
    private readonly config: ExecConfig,
    private readonly server: string,
  ) {}

  async get(): Promise<ExecCredential> {
    const cached = this.cached;
    if (cached !== undefined && (cached.expiresAt === undefined || Date.now() < cached.expiresAt - EXPIRY_MARGIN_MS)) return cached;
    // Concurrent requests share one run of the plugin.
    this.running ??= this.run().finally(() => (this.running = undefined));
    this.cached = await this.running;
    return this.cached;
  }

  private run(): Promise<ExecCredential> {
    const { command } = this.config;
    const apiVersion = this.config.apiVersion ?? DEFAULT_API_VERSION;
    const info = { apiVersion, kind: "ExecCredential", spec: { interactive: false, ...(this.config.provideClusterInfo ? { cluster: { server: this.server } } : {}) } };
    const env = { ...process.env, ...Object.fromEntries((this.config.env ?? []).map((e) => [e.name, e.value])), KUBERNETES_EXEC_INFO: JSON.stringify(info) };
    return new Promise((resolve, reject) => {
      execFile(command, this.config.args ?? [], { env, timeout: PLUGIN_TIMEOUT_MS, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`the kubeconfig's exec plugin ${command} failed: ${(stderr.trim() || error.message).split("\n")[0]}`));
          return;
        }
        try {
          resolve(parseCredential(stdout, apiVersion));
        } catch (err) {
          reject(new Error(`the kubeconfig's exec plugin ${command}: ${(err as Error).message}`));
        }
      });
    });
  }
}

function parseCredential(stdout: string, apiVersion: string): ExecCredential {
  let doc: { apiVersion?: string; kind?: string; status?: { token?: string; clientCertificateData?: string; clientKeyData?: string; expirationTimestamp?: string } };
  try {
    doc = JSON.parse(stdout) as typeof doc;
  } catch {
    throw new Error("printed no JSON ExecCredential");
  }
  if (doc.kind !== "ExecCredential" || doc.apiVersion !== apiVersion) throw new Error(`printed ${doc.apiVersion ?? "?"} ${doc.kind ?? "?"}, expected ${apiVersion} ExecCredential`);
  const status = doc.status ?? {};
  const hasCert = typeof status.clientCertificateData === "string" && typeof status.clientKeyData === "string";
  if (typeof status.token !== "string" && !hasCert) throw new Error("status has neither token nor clientCertificateData and clientKeyData");
  const expiresAt = status.expirationTimestamp === undefined ? undefined : Date.parse(status.expirationTimestamp);
  if (expiresAt !== undefined && Number.isNaN(expiresAt)) throw new Error(`status.expirationTimestamp ${JSON.stringify(status.expirationTimestamp)} is not a time`);
  return {
    ...(typeof status.token === "string" ? { token: status.token } : {}),
    ...(hasCert ? { cert: status.clientCertificateData, key: status.clientKeyData } : {}),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}
