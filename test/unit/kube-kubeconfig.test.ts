import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { stringify } from "yaml";
import { loadKubeConfig } from "../../src/kube/kubeconfig.js";

function kubeconfig(dir: string, name: string, server: string, currentContext?: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: `${name}-cluster`, cluster: { server } }],
      users: [{ name: `${name}-user`, user: { token: "t" } }],
      contexts: [{ name, context: { cluster: `${name}-cluster`, user: `${name}-user` } }],
      ...(currentContext ? { "current-context": currentContext } : {}),
    }),
  );
  return file;
}

describe("kubeconfig loading", () => {
  const names = ["KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "HOME"] as const;
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "kubeconfig-test-"));
    for (const name of names) delete process.env[name];
    process.env.HOME = dir;
  });
  afterEach(() => {
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("prefers the --kubeconfig path over KUBECONFIG", () => {
    process.env.KUBECONFIG = kubeconfig(dir, "env", "https://env.example:6443", "env");
    const result = loadKubeConfig({ kubeconfig: kubeconfig(dir, "flag", "https://flag.example:6443", "flag") });
    assert.ok(result.ok);
    assert.equal(result.source, "flag");
    assert.equal(result.kubeConfig.getCurrentCluster()?.server, "https://flag.example:6443");
  });

  it("reads a KUBECONFIG list, the first current-context winning, and switches context on request", () => {
    const first = kubeconfig(dir, "first", "https://first.example:6443", "first");
    const second = kubeconfig(dir, "second", "https://second.example:6443", "second");
    process.env.KUBECONFIG = [first, second].join(delimiter);
    const result = loadKubeConfig();
    assert.ok(result.ok);
    assert.equal(result.source, "env");
    assert.equal(result.kubeConfig.getCurrentCluster()?.server, "https://first.example:6443");

    const switched = loadKubeConfig({ context: "second" });
    assert.ok(switched.ok);
    assert.equal(switched.kubeConfig.getCurrentCluster()?.server, "https://second.example:6443");
    const unknown = loadKubeConfig({ context: "third" });
    assert.deepEqual(unknown, { ok: false, error: "context third not found in the kubeconfig" });
  });

  it("uses the service account inside a pod", () => {
    process.env.KUBERNETES_SERVICE_HOST = "10.0.0.1";
    process.env.KUBERNETES_SERVICE_PORT = "443";
    const result = loadKubeConfig();
    assert.ok(result.ok);
    assert.equal(result.source, "in-cluster");
    assert.equal(result.kubeConfig.getCurrentCluster()?.server, "https://10.0.0.1:443");
  });

  it("returns an error, rather than guessing localhost, when nothing is configured", () => {
    const result = loadKubeConfig();
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.error : "", /no cluster configuration/);
  });

  it("returns an error for an unreadable file", () => {
    const result = loadKubeConfig({ kubeconfig: join(dir, "missing.yaml") });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.error : "", /^loading the kubeconfig: /);
  });

  it("refuses exec plugins unless asked to allow them, and a plugin without a command either way", () => {
    const file = join(dir, "exec.yaml");
    const write = (exec: unknown) =>
      writeFileSync(file, stringify({ clusters: [{ name: "c", cluster: { server: "https://x.example" } }], users: [{ name: "u", user: { exec } }], contexts: [{ name: "x", context: { cluster: "c", user: "u", namespace: "shop" } }], "current-context": "x" }));
    write({ apiVersion: "client.authentication.k8s.io/v1", command: "aws" });
    const refused = loadKubeConfig({ kubeconfig: file });
    assert.ok(!refused.ok);
    assert.match(refused.error, /uses exec, which the operator does not support/);
    const allowed = loadKubeConfig({ kubeconfig: file, allowExec: true });
    assert.ok(allowed.ok);
    assert.equal(allowed.namespace, "shop");
    write({ apiVersion: "client.authentication.k8s.io/v1" });
    assert.deepEqual(loadKubeConfig({ kubeconfig: file, allowExec: true }), { ok: false, error: "the kubeconfig's user has an exec plugin without a command" });
  });
});
