// A private CA and the serving certificates it signs, for a webhook that needs no certificate
// manager. Keys come from node:crypto (native); node:crypto cannot build certificates, so
// node-forge (no dependencies of its own) assembles and signs them. Reading one back is
// node:crypto's X509Certificate.
import { generateKeyPairSync, randomBytes, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import forge from "node-forge";

export interface KeyPairPem {
  cert: string;
  key: string;
}

export interface ServingNames {
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
}

/** Clocks of the API server and this process may differ a little. */
const BACKDATE_MS = 5 * 60_000;

export function createCertificateAuthority(commonName: string, validityMs: number, now = new Date()): KeyPairPem {
  const { publicKey, privateKey, pem } = newKeyPair();
  const cert = baseCertificate(publicKey, now, validityMs);
  const subject = [{ name: "commonName", value: commonName, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return { cert: toPem(cert), key: pem };
}

export function issueServingCertificate(ca: KeyPairPem, names: ServingNames, validityMs: number, now = new Date()): KeyPairPem {
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const caKey = forge.pki.privateKeyFromPem(ca.key);
  const { publicKey, pem } = newKeyPair();
  const cert = baseCertificate(publicKey, now, validityMs);
  cert.setSubject([{ name: "commonName", value: names.dnsNames[0] ?? names.ipAddresses[0] ?? "webhook", valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [...names.dnsNames.map((value) => ({ type: 2, value })), ...names.ipAddresses.map((ip) => ({ type: 7, ip }))],
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: toPem(cert), key: pem };
}

/** The certificates of a PEM bundle, in order; unparsable blocks are an error. */
export function certificatesOf(bundle: string): X509Certificate[] {
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

/** Whether `cert` names every DNS name and IP address of `names`. */
export function coversNames(cert: X509Certificate, names: ServingNames): boolean {
  const sans = (cert.subjectAltName ?? "").split(", ");
  return names.dnsNames.every((n) => sans.includes(`DNS:${n}`)) && names.ipAddresses.every((ip) => sans.includes(`IP Address:${ip}`));
}

/** Splits `HOST` entries into DNS names and IP addresses. */
export function servingNames(hosts: readonly string[]): ServingNames {
  return { dnsNames: hosts.filter((h) => isIP(h) === 0), ipAddresses: hosts.filter((h) => isIP(h) !== 0) };
}

/** node:crypto's PEM (LF line ends), so that a bundle read back and written again is the same text. */
function toPem(cert: forge.pki.Certificate): string {
  return new X509Certificate(forge.pki.certificateToPem(cert)).toString();
}

function newKeyPair(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey; pem: string } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem);
  return { publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), privateKey: forgeKey, pem };
}

function baseCertificate(publicKey: forge.pki.rsa.PublicKey, now: Date, validityMs: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial: the first byte's high bit clear.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString("hex");
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + validityMs);
  return cert;
}
