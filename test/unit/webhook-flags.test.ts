import assert from "node:assert/strict";
import { WEBHOOK_OPTIONS, webhookSetup } from "../../src/cli/webhook-flags.js";

const defaults = Object.fromEntries(Object.entries(WEBHOOK_OPTIONS).flatMap(([k, v]) => ("default" in v ? [[k, v.default]] : []))) as unknown as Parameters<typeof webhookSetup>[0];
const setup = (values: Record<string, string>) => webhookSetup({ ...defaults, ...values }, "ops");

describe("controller webhook flags", () => {
  it("leave the webhook off without --webhook-addr, and refuse its other flags then", () => {
    assert.equal(setup({}), undefined);
    assert.throws(() => setup({ "webhook-url": "https://127.0.0.1:9443" }), /--webhook-url needs --webhook-addr/);
  });

  it("register the in-cluster Service with a certificate for its names, the operator's namespace and kube-system excluded", () => {
    const s = setup({ "webhook-addr": ":9443" })!;
    assert.deepEqual([s.host, s.port], ["0.0.0.0", 9443]);
    assert.deepEqual(s.configuration.endpoint, { service: { namespace: "ops", name: "seccomp-operator-webhook", port: 443 } });
    assert.deepEqual(s.configuration.excludedNamespaces, ["ops", "kube-system"]);
    assert.deepEqual([s.configuration.failurePolicy, s.configuration.timeoutSeconds], ["Ignore", 3]);
    assert.ok("selfManaged" in s.certificates);
    assert.ok(s.certificates.selfManaged.policy.names.dnsNames.includes("seccomp-operator-webhook.ops.svc"));
    assert.deepEqual(s.certificates.selfManaged.secret, { namespace: "ops", name: "seccomp-operator-webhook-tls" });
    assert.deepEqual(s.limits, { maxConnections: 256, maxInFlightBytes: 32 * 1024 * 1024 });
    assert.deepEqual(setup({ "webhook-addr": ":9443", "webhook-max-connections": "64", "webhook-max-inflight-mib": "7" })!.limits, { maxConnections: 64, maxInFlightBytes: 7 * 1024 * 1024 });
  });

  it("register a URL with a certificate for its host, and take a certificate directory instead", () => {
    const s = setup({ "webhook-addr": "127.0.0.1:0", "webhook-url": "https://127.0.0.1:8443/", "webhook-cert-dir": "/certs", "webhook-failure-policy": "Fail" })!;
    assert.deepEqual(s.configuration.endpoint, { url: "https://127.0.0.1:8443" });
    assert.deepEqual(s.certificates, { dir: "/certs" });
    assert.equal(s.configuration.failurePolicy, "Fail");
    const own = setup({ "webhook-addr": "127.0.0.1:0", "webhook-url": "https://[::1]:8443" })!;
    assert.ok("selfManaged" in own.certificates && own.certificates.selfManaged.policy.names.ipAddresses[0] === "::1");
  });

  it("refuse bad values, naming the flag", () => {
    const on = { "webhook-addr": ":9443" };
    assert.throws(() => setup({ ...on, "webhook-failure-policy": "ignore" }), /--webhook-failure-policy must be Ignore or Fail/);
    assert.throws(() => setup({ ...on, "webhook-timeout": "31" }), /--webhook-timeout must be a whole number of seconds from 1 to 30/);
    assert.throws(() => setup({ ...on, "webhook-url": "http://127.0.0.1:9443" }), /--webhook-url must be https/);
    assert.throws(() => setup({ ...on, "webhook-service": "Hook" }), /--webhook-service must be NAME:PORT/);
    assert.throws(() => setup({ ...on, "webhook-cert-validity": "100", "webhook-ca-validity": "200" }), /--webhook-ca-validity must be at least 3 times/);
    assert.throws(() => setup({ ...on, "webhook-max-connections": "0" }), /--webhook-max-connections must be a whole number from 1, not "0"/);
    assert.throws(() => setup({ ...on, "webhook-max-inflight-mib": "6" }), /--webhook-max-inflight-mib must be a whole number from 7 \(one review of the largest size\), not "6"/);
    assert.throws(() => setup({ "webhook-max-connections": "64" }), /--webhook-max-connections needs --webhook-addr/);
  });
});
