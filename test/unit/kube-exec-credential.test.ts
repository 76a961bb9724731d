import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExecCredentialSource } from "../../src/kube/exec-credential.js";

describe("kubeconfig exec plugins", () => {
  let dir: string;
  let plugin: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "exec-credential-"));
    plugin = join(dir, "plugin.sh");
    // Counts its runs and prints whatever credential.json holds.
    writeFileSync(plugin, `#!/bin/sh\necho run >> "${dir}/runs"\ncat "${dir}/credential.json"\n`);
    chmodSync(plugin, 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const credential = (status: object, kind = "ExecCredential") =>
    writeFileSync(join(dir, "credential.json"), JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind, status }));
  const runs = () => readFileSync(join(dir, "runs"), "utf8").split("\n").filter(Boolean).length;

  it("reuses a credential until shortly before it expires, then runs the plugin again", async () => {
    credential({ token: "t1", expirationTimestamp: new Date(Date.now() + 3600_000).toISOString() });
    const source = new ExecCredentialSource({ command: plugin }, "https://x.example");
    const [a, b] = await Promise.all([source.get(), source.get()]);
    assert.equal(a.token, "t1");
    assert.equal(b.token, "t1");
    await source.get();
    assert.equal(runs(), 1);

    credential({ token: "t2", expirationTimestamp: new Date(Date.now() + 5_000).toISOString() });
    const expiring = new ExecCredentialSource({ command: plugin }, "https://x.example");
    assert.equal((await expiring.get()).token, "t2");
    assert.equal((await expiring.get()).token, "t2");
    assert.equal(runs(), 3, "a credential within 10 s of its expiry is not reused");
  });

  it("passes the plugin's env, and reads client certificates", async () => {
    writeFileSync(plugin, `#!/bin/sh\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"%s","clientKeyData":"k"}}' "$CERT"\n`);
    const got = await new ExecCredentialSource({ command: plugin, env: [{ name: "CERT", value: "PEM" }] }, "https://x.example").get();
    assert.deepEqual(got, { cert: "PEM", key: "k" });
  });

  it("names the plugin and what is wrong with its answer", async () => {
    const failure = async () => {
      try {
        await new ExecCredentialSource({ command: plugin }, "https://x.example").get();
      } catch (error) {
        return (error as Error).message;
      }
      assert.fail("no error");
    };
    credential({ token: "t" }, "Secret");
    assert.equal(await failure(), `the kubeconfig's exec plugin ${plugin}: printed client.authentication.k8s.io/v1 Secret, expected client.authentication.k8s.io/v1 ExecCredential`);
    credential({});
    assert.equal(await failure(), `the kubeconfig's exec plugin ${plugin}: status has neither token nor clientCertificateData and clientKeyData`);
    credential({ token: "t", expirationTimestamp: "tomorrow" });
    assert.equal(await failure(), `the kubeconfig's exec plugin ${plugin}: status.expirationTimestamp "tomorrow" is not a time`);
    writeFileSync(plugin, "#!/bin/sh\necho 'token expired, run: login' >&2\nexit 1\n");
    assert.equal(await failure(), `the kubeconfig's exec plugin ${plugin} failed: token expired, run: login`);
  });
});
