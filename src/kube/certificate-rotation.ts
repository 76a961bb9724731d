// When a webhook's own CA and serving certificate are replaced, as a pure decision over what the
// Secret holds and what the API server trusts. The order keeps every request verifiable:
// a new CA is first added to the trusted bundle (next to the old one), and a serving
// certificate is signed by a CA only once the webhook configuration trusts that CA.
import type { X509Certificate } from "node:crypto";
import { certificatesOf, coversNames, createCertificateAuthority, issueServingCertificate, type ServingNames } from "./x509-certificates.js";

/** The Secret's data (decoded): the trusted bundle (current CA first), the CA's key, the serving pair. */
export interface CertificateData {
  "ca.crt": string;
  "ca.key": string;
  "tls.crt": string;
  "tls.key": string;
}

export interface RotationPolicy {
  names: ServingNames;
  /** How long a serving certificate is valid; it is replaced when a third of that is left. */
  servingValidityMs: number;
  /** How long a CA is valid; replaced likewise. */
  caValidityMs: number;
  /** The CA's name; the second it was made is appended, so that successive CAs differ. */
  caCommonName: string;
}

export interface RotationDecision {
  /** The data to store; undefined when the current data stays. */
  data: CertificateData | undefined;
  /** Why, for the log. */
  reasons: string[];
}

/**
 * @param current what the Secret holds (undefined: no Secret, or not all four keys)
 * @param trusted the CA bundle the webhook configuration carries now
 */
export function planRotation(current: CertificateData | undefined, trusted: string | undefined, policy: RotationPolicy, now = new Date()): RotationDecision {
  const parsed = current === undefined ? undefined : parse(current);
  if (parsed === undefined) {
    const ca = createCertificateAuthority(`${policy.caCommonName}-${Math.floor(now.getTime() / 1000)}`, policy.caValidityMs, now);
    const leaf = issueServingCertificate(ca, policy.names, policy.servingValidityMs, now);
    return { data: { "ca.crt": ca.cert, "ca.key": ca.key, "tls.crt": leaf.cert, "tls.key": leaf.key }, reasons: [current === undefined ? "no certificates yet" : "stored certificates unreadable"] };
  }
  const reasons: string[] = [];
  const t = now.getTime();
  let data: CertificateData = { ...current! };
  let bundle = parsed.bundle;

  if (Date.parse(bundle[0]!.validTo) - t < policy.caValidityMs / 3) {
    const ca = createCertificateAuthority(`${policy.caCommonName}-${Math.floor(now.getTime() / 1000)}`, policy.caValidityMs, now);
    bundle = [...certificatesOf(ca.cert), ...bundle];
    data = { ...data, "ca.key": ca.key };
    reasons.push("CA renewed");
  }
  // Expired CAs verify nothing; the current one stays whatever happens.
  const kept = bundle.filter((c, i) => i === 0 || Date.parse(c.validTo) > t);
  if (kept.length !== bundle.length) reasons.push("expired CA dropped from the bundle");
  data["ca.crt"] = kept.map((c) => c.toString()).join("");
  const signer = kept[0]!;

  const leaf = parsed.leaf;
  const leafUsable = leaf !== undefined && Date.parse(leaf.validTo) > t && kept.some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
  const stale =
    leaf === undefined
      ? "serving certificate unreadable"
      : Date.parse(leaf.validTo) - t < policy.servingValidityMs / 3
        ? "serving certificate near its end"
        : !coversNames(leaf, policy.names)
          ? "serving certificate lacks a name"
          : !leaf.checkIssued(signer)
            ? "serving certificate from an older CA"
            : undefined;
  const signerTrusted = trusted !== undefined && trustedFingerprints(trusted).has(signer.fingerprint256);
  if (stale !== undefined && (signerTrusted || !leafUsable)) {
    const issued = issueServingCertificate({ cert: signer.toString(), key: data["ca.key"] }, policy.names, policy.servingValidityMs, now);
    data = { ...data, "tls.crt": issued.cert, "tls.key": issued.key };
    reasons.push(stale);
  }
  const changed = (Object.keys(data) as (keyof CertificateData)[]).some((k) => data[k] !== current![k]);
  return { data: changed ? data : undefined, reasons };
}

function parse(data: CertificateData): { bundle: X509Certificate[]; leaf: X509Certificate | undefined } | undefined {
  try {
    const bundle = certificatesOf(data["ca.crt"]);
    if (bundle.length === 0 || data["ca.key"] === "" || !bundle[0]!.ca) return undefined;
    let leaf: X509Certificate | undefined;
    try {
      leaf = certificatesOf(data["tls.crt"])[0];
    } catch {
      leaf = undefined;
    }
    return { bundle, leaf };
  } catch {
    return undefined;
  }
}

function trustedFingerprints(bundle: string): Set<string> {
  try {
    return new Set(certificatesOf(bundle).map((c) => c.fingerprint256));
  } catch {
    return new Set();
  }
}
