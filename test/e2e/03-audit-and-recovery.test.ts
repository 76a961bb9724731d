// Audit mode on a real kernel, and the operator losing its node agent.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { DigestSalt, DIGEST_SALT_KEY, DIGEST_SALT_SECRET } from "../../src/api/digest-salt.js";
import { contribution, CONTRIBUTION_BYTES, InstallDigest, xorInto } from "../../src/api/install-digest.js";
import { describePods, OPERATOR_NAMESPACE, useE2eCluster, type ProfileObject } from "../harness/e2e-cluster.js";
import { createNamespaceIn } from "../harness/namespaces.js";
import { waitUntil } from "../harness/readiness.js";
import { ARCH, BUSYBOX_ALLOWLIST, deploymentManifest, probeLog, probeProfileSpec, profileManifest, waitForPods } from "./helpers.js";

const run = promisify(execFile);
/** uname(2) on the test's architecture: what the audit profile leaves out. */
const UNAME = process.arch === "arm64" ? 160 : 63;

const AUDIT_LOG = "/var/log/audit/audit.log";

/**
 * The seccomp audit records: the kernel log's (type=1326) when no audit daemon
 * runs, auditd's (type=SECCOMP) when one does, since it then takes them.
 */
async function seccompAuditRecords(): Promise<string[]> {
  const { stdout } = await run("dmesg", [], { maxBuffer: 64 * 1024 * 1024 });
  const records = stdout.split("\n").filter((l) => l.includes("type=1326"));
  if (existsSync(AUDIT_LOG)) records.push(...readFileSync(AUDIT_LOG, "utf8").split("\n").filter((l) => l.includes("type=SECCOMP")));
  return records;
}

describe("e2e: audit mode and agent loss on a real node", function () {
  this.timeout(180_000);
  const cluster = useE2eCluster();

  it("logs a call the audit profile's allowlist misses, and the pod keeps running", async function () {
    const c = cluster();
    const namespace = await createNamespaceIn(c.kubeConfig(), "e2e-audit-");
    // A uid of its own tells this pod's records from any other process's.
    const uid = 20_000 + Math.floor(Math.random() * 10_000);
    await c.applier.apply(
      profileManifest(namespace, "audit", {
        description: "busybox probe in audit mode: uname is not in the allowlist",
        defaultAction: "SCMP_ACT_LOG",
        architectures: [ARCH],
        syscalls: [{ names: [...BUSYBOX_ALLOWLIST, "mkdir", "mkdirat"], action: "SCMP_ACT_ALLOW" }],
      }),
    );
    const profile = await c.waitForProfileReady(namespace, "audit");
    // The kernel log rate-limits audit records (10 per 5 s for the whole
    // machine, "kauditd_printk_skb: N callbacks suppressed"), and other
    // programs may be logging too: the pod calls uname again every second so
    // that one of its records gets through.
    await c.applier.apply(
      deploymentManifest(namespace, "audited", "audit", "uname -s; echo probe-done; while true; do uname -s >/dev/null; sleep 1; done", uid),
    );
    const [pod] = await waitForPods(c, namespace, "audited", `operator/${namespace}/audit/${profile.status!.hash}.json`);
    const log = await probeLog(c, namespace, pod!.metadata!.name!);
    assert.match(log, /^Linux$/m, `uname did not run (audit mode must not deny it); log:\n${log}`);

    let records: string[] = [];
    await waitUntil(
      async () => {
        records = (await seccompAuditRecords()).filter((l) => l.includes(` uid=${uid} `) && l.includes(` syscall=${UNAME} `));
        return records.length > 0;
      },
      { what: `a seccomp audit record of uid ${uid} for syscall ${UNAME} in the kernel log or ${AUDIT_LOG}`, timeoutMs: 45_000, intervalMs: 500 },
    );
    assert.match(records[0]!, /comm="uname"/);
    // SECCOMP_RET_LOG, the action that let the call through.
    assert.match(records[0]!, /code=0x7ffc0000/);

    // Still running, never restarted.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const now = await c.core().readNamespacedPod({ namespace, name: pod!.metadata!.name! });
    assert.equal(now.status?.phase, "Running");
    assert.equal(now.status?.containerStatuses?.[0]?.restartCount, 0, describePods([now]));
  });

  it("survives the loss of its agent pod: a new one comes back and installs what changed meanwhile", async function () {
    const c = cluster();
    const namespace = await createNamespaceIn(c.kubeConfig(), "e2e-agent-loss-");
    const agentSelector = "app.kubernetes.io/component=agent";
    const controllerSelector = "app.kubernetes.io/component=controller";
    const [agent] = await c.pods(OPERATOR_NAMESPACE, agentSelector);
    assert.ok(agent, "no agent pod");
    const controllersBefore = new Map(
      (await c.pods(OPERATOR_NAMESPACE, controllerSelector)).map((p) => [p.metadata!.uid!, p.status!.containerStatuses![0]!.restartCount]),
    );

    await c.core().deleteNamespacedPod({ namespace: OPERATOR_NAMESPACE, name: agent.metadata!.name! });
    await waitUntil(
      async () => {
        try {
          await c.core().readNamespacedPod({ namespace: OPERATOR_NAMESPACE, name: agent.metadata!.name! });
          return false;
        } catch (err) {
          if ((err as { code?: number }).code === 404) return true;
          throw err;
        }
      },
      { what: "the deleted agent pod gone", timeoutMs: 60_000, intervalMs: 100 },
    );
    // Created after the old agent has gone (its successor may be starting).
    await c.applier.apply(profileManifest(namespace, "late", probeProfileSpec(1, "created while the agent was gone")));

    let agents = await c.pods(OPERATOR_NAMESPACE, agentSelector);
    await waitUntil(
      async () => {
        agents = await c.pods(OPERATOR_NAMESPACE, agentSelector);
        return agents.length === 1 && agents[0]!.metadata!.uid !== agent.metadata!.uid && !!agents[0]!.status?.containerStatuses?.[0]?.ready;
      },
      { what: "a new agent pod Ready", timeoutMs: 90_000, intervalMs: 500 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${describePods(agents)}`);
    });

    const profile = await c.waitForProfileReady(namespace, "late", 60_000);
    assert.ok(c.nodeFile(`seccomp/operator/${namespace}/late/${profile.status!.hash}.json`), "the new agent did not install the profile");
    // The node's status is the new agent's: the bucket of `late` in its digest is what the profiles of
    // that bucket, at their current hashes, add up to.
    const key = `${namespace}/late`;
    const status = (await c.custom().getClusterCustomObject({
      group: "seccomp.operator.dev",
      version: "v1alpha1",
      plural: "seccompnodestatuses",
      name: c.node.nodeName,
    })) as { status?: { installed?: { digests?: string } } };
    const profiles = (await c.custom().listClusterCustomObject({ group: "seccomp.operator.dev", version: "v1alpha1", plural: "seccompprofiles" })) as {
      items: ProfileObject[];
    };
    // The cluster's salt, which only the operator (and an administrator, as here) can read.
    const secret = await c.core().readNamespacedSecret({ namespace: OPERATOR_NAMESPACE, name: DIGEST_SALT_SECRET });
    const salt = new DigestSalt(Buffer.from(secret.data![DIGEST_SALT_KEY]!, "base64"));
    const bucketOf = (k: string) => salt.bucketOf(k);
    const expected = Buffer.alloc(CONTRIBUTION_BYTES);
    for (const p of profiles.items) {
      const other = `${p.metadata.namespace}/${p.metadata.name}`;
      if (bucketOf(other) === bucketOf(key) && p.status?.hash) xorInto(expected, contribution(other, p.status.hash));
    }
    const installed = InstallDigest.decode(status.status?.installed?.digests);
    assert.ok(installed, `the SeccompNodeStatus has no digest: ${JSON.stringify(status.status)}`);
    assert.deepEqual(installed.bucket(bucketOf(key)), expected, `the SeccompNodeStatus does not have ${key} at ${profile.status!.hash}`);

    // The controller went on, neither replaced nor restarted.
    const controllersAfter = await c.pods(OPERATOR_NAMESPACE, controllerSelector);
    assert.equal(controllersAfter.length, 2);
    for (const p of controllersAfter) {
      assert.ok(controllersBefore.has(p.metadata!.uid!), `controller pod ${p.metadata!.name} is new`);
      assert.equal(p.status!.containerStatuses![0]!.restartCount, controllersBefore.get(p.metadata!.uid!), `controller pod ${p.metadata!.name} restarted`);
      assert.ok(p.status!.containerStatuses![0]!.ready);
    }
  });
});
