// A throwaway PKI for the test control plane, made with the openssl command:
// a CA, the API server's serving certificate, and client certificates whose
// subject is the Kubernetes identity (CN = user, O = groups), exactly as a
// kubeadm cluster authenticates its components and administrators.
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface CertificateAuthority {
  certFile: string;
  keyFile: string;
}

export interface KeyPair {
  certFile: string;
  keyFile: string;
}

// P-256 keys: generated in milliseconds, accepted by every component.
const KEY_ARGS = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
const DAYS = "7";

async function openssl(args: string[]): Promise<void> {
  try {
    await run("openssl", args);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args.join(" ")} failed: ${e.stderr ?? e.message}`);
  }
}

export async function createCertificateAuthority(dir: string, name = "ca"): Promise<CertificateAuthority> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await openssl([
    "req", "-x509", ...KEY_ARGS, "-keyout", keyFile, "-out", certFile, "-days", DAYS,
    "-subj", "/CN=seccomp-operator-test-ca",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
  ]);
  return { certFile, keyFile };
}

export interface CertificateRequest {
  /** File name stem in `dir`. */
  name: string;
  commonName: string;
  organizations?: string[];
  /** Server certificates: the names and addresses clients connect to. */
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: "server" | "client";
}

export async function issueCertificate(
  dir: string,
  ca: CertificateAuthority,
  request: CertificateRequest,
): Promise<KeyPair> {
  const certFile = join(dir, `${request.name}.crt`);
  const keyFile = join(dir, `${request.name}.key`);
  const csrFile = join(dir, `${request.name}.csr`);
  const extFile = join(dir, `${request.name}.ext`);
  const subject = [`/CN=${escapeRdn(request.commonName)}`, ...(request.organizations ?? []).map((o) => `/O=${escapeRdn(o)}`)].join("");
  const san = [
    ...(request.dnsNames ?? []).map((d) => `DNS:${d}`),
    ...(request.ipAddresses ?? []).map((ip) => `IP:${ip}`),
  ];
  const ext = [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    `extendedKeyUsage=${request.usage === "server" ? "serverAuth" : "clientAuth"}`,
    ...(san.length > 0 ? [`subjectAltName=${san.join(",")}`] : []),
  ];
  await writeFile(extFile, ext.join("\n") + "\n");
  await openssl(["req", "-new", ...KEY_ARGS, "-keyout", keyFile, "-out", csrFile, "-subj", subject]);
  await openssl([
    "x509", "-req", "-in", csrFile, "-CA", ca.certFile, "-CAkey", ca.keyFile,
    "-set_serial", randomSerial(), "-days", DAYS, "-extfile", extFile, "-out", certFile,
  ]);
  return { certFile, keyFile };
}

/** The key pair the API server signs service-account tokens with. */
export async function createServiceAccountKey(dir: string): Promise<{ privateKeyFile: string; publicKeyFile: string }> {
  const privateKeyFile = join(dir, "sa.key");
  const publicKeyFile = join(dir, "sa.pub");
  await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", privateKeyFile]);
  await openssl(["pkey", "-in", privateKeyFile, "-pubout", "-out", publicKeyFile]);
  return { privateKeyFile, publicKeyFile };
}

export async function base64File(file: string): Promise<string> {
  return (await readFile(file)).toString("base64");
}

function randomSerial(): string {
  // Positive, distinct per certificate so clients never confuse two of them.
  return "0x" + Array.from({ length: 16 }, () => Math.floor(Math.random() * 16).toString(16)).join("").replace(/^0/, "1");
}

// openssl -subj separates RDNs with '/', so one inside a value is escaped.
function escapeRdn(value: string): string {
  return value.replace(/[\\/]/g, (c) => `\\${c}`);
}
