import assert from "node:assert/strict";
import { planRotation, type CertificateData, type RotationPolicy } from "../../src/kube/certificate-rotation.js";
import { certificatesOf } from "../../src/kube/x509-certificates.js";

const HOUR = 3_600_000;
const policy: RotationPolicy = { names: { dnsNames: ["hook.ops.svc"], ipAddresses: ["127.0.0.1"] }, servingValidityMs: 3 * HOUR, caValidityMs: 30 * HOUR, caCommonName: "test-ca" };
const at = (hours: number) => new Date(Date.UTC(2030, 0, 1) + hours * HOUR);

function fresh(): CertificateData {
  const first = planRotation(undefined, undefined, policy, at(0));
  assert.deepEqual(first.reasons, ["no certificates yet"]);
  return first.data!;
}

function leafIssuer(data: CertificateData): string {
  const [leaf] = certificatesOf(data["tls.crt"]);
  const ca = certificatesOf(data["ca.crt"]).find((c) => leaf!.checkIssued(c) && leaf!.verify(c.publicKey));
  assert.ok(ca, "the serving certificate verifies against the bundle");
  return ca.fingerprint256;
}

describe("certificate rotation", function () {
  this.timeout(20_000);

  it("makes a CA and a serving certificate for the names, verifiable by the CA", () => {
    const data = fresh();
    const [leaf] = certificatesOf(data["tls.crt"]);
    assert.equal(leaf!.subjectAltName, "DNS:hook.ops.svc, IP Address:127.0.0.1");
    assert.ok(certificatesOf(data["ca.crt"])[0]!.ca);
    leafIssuer(data);
  });

  it("changes nothing while everything is fresh and trusted", () => {
    const data = fresh();
    assert.equal(planRotation(data, data["ca.crt"], policy, at(1)).data, undefined);
  });

  it("renews the serving certificate with a third of its lifetime left, from the same CA", () => {
    const data = fresh();
    const next = planRotation(data, data["ca.crt"], policy, at(2.1));
    assert.deepEqual(next.reasons, ["serving certificate near its end"]);
    assert.notEqual(next.data!["tls.crt"], data["tls.crt"]);
    assert.equal(next.data!["ca.crt"], data["ca.crt"]);
    assert.equal(leafIssuer(next.data!), leafIssuer(data));
  });

  it("adds a new CA beside the old one, and signs with it only once the webhook configuration trusts it", () => {
    let data = fresh();
    // Keep the serving certificate fresh up to the CA's renewal.
    for (const hours of [2.1, 4.2, 6.3, 8.4, 10.5, 12.6, 14.7, 16.8, 18.9]) data = planRotation(data, data["ca.crt"], policy, at(hours)).data ?? data;
    const oldCa = leafIssuer(data);
    const trustedBefore = data["ca.crt"];
    const renewed = planRotation(data, trustedBefore, policy, at(20.5));
    assert.ok(renewed.reasons.includes("CA renewed"));
    const bundle = certificatesOf(renewed.data!["ca.crt"]);
    assert.equal(bundle.length, 2, "new CA first, old CA still trusted");
    assert.equal(bundle[1]!.fingerprint256, oldCa);
    assert.equal(leafIssuer(renewed.data!), oldCa, "still serving the old CA's certificate: the API server does not trust the new one yet");

    const untrusted = planRotation(renewed.data!, trustedBefore, policy, at(20.6));
    assert.equal(untrusted.data, undefined, "waits while the configuration holds only the old CA");
    const switched = planRotation(renewed.data!, renewed.data!["ca.crt"], policy, at(20.6));
    assert.deepEqual(switched.reasons, ["serving certificate from an older CA"]);
    assert.equal(leafIssuer(switched.data!), bundle[0]!.fingerprint256);

    const pruned = planRotation(switched.data!, switched.data!["ca.crt"], policy, at(30.2));
    assert.ok(pruned.reasons.includes("expired CA dropped from the bundle"));
    assert.equal(certificatesOf(pruned.data!["ca.crt"]).length, 1);
  });

  it("issues at once when the served certificate cannot be used at all, trusted or not", () => {
    const data = fresh();
    const expired = planRotation(data, "", policy, at(3.5));
    assert.deepEqual(expired.reasons, ["serving certificate near its end"]);
    const renamed = planRotation(data, data["ca.crt"], { ...policy, names: { dnsNames: ["other.ops.svc"], ipAddresses: [] } }, at(0.5));
    assert.deepEqual(renamed.reasons, ["serving certificate lacks a name"]);
  });

  it("starts over from stored data it cannot read", () => {
    const data = fresh();
    const broken = planRotation({ ...data, "ca.crt": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n" }, undefined, policy, at(1));
    assert.deepEqual(broken.reasons, ["stored certificates unreadable"]);
    assert.notEqual(broken.data!["ca.key"], data["ca.key"]);
  });
});
