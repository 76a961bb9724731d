// The operator's promises, proven by real pods on the real node: annotated
// workloads run confined by the kernel with the profile's errno; a profile
// change installs the new content-pinned file before any template points at
// it, rolls the pods, and leaves old pods' restarted containers on their old
// file; a profile in use cannot be deleted until its pods are gone.
//
// The tests of this file are one story on shared objects, in order.
import assert from "node:assert/strict";
import type { V1Pod } from "@kubernetes/client-node";
import { describePods, useE2eCluster } from "../harness/e2e-cluster.js";
import { createNamespaceIn } from "../harness/namespaces.js";
import { waitUntil } from "../harness/readiness.js";
import {
  containerProfile,
  deploymentManifest,
  probeLog,
  probeProfileSpec,
  profileManifest,
  statefulSetManifest,
  waitForPods,
} from "./helpers.js";

const EACCES = 13;
const EPERM = 1;

describe("e2e: workloads confined by their SeccompProfile on a real node", function () {
  this.timeout(180_000);
  const cluster = useE2eCluster();
  let namespace: string;
  let firstHash: string;
  let secondHash: string;
  let oldPod: V1Pod;

  const pinned = (hash: string) => `operator/${namespace}/probe/${hash}.json`;

  before(async function () {
    namespace = await createNamespaceIn(cluster().kubeConfig(), "e2e-profiles-");
  });

  it("runs an annotated Deployment's pods with Seccomp: 2, and the denied call fails with the profile's errno", async function () {
    const c = cluster();
    await c.applier.apply(profileManifest(namespace, "probe", probeProfileSpec(EACCES, "busybox probe: mkdir denied with EACCES")));
    const profile = await c.waitForProfileReady(namespace, "probe");
    firstHash = profile.status!.hash!;
    assert.equal(profile.status!.localhostProfile, `operator/${namespace}/probe.json`);
    // The agent wrote both files where the kubelet resolves localhostProfile.
    const file = c.nodeFile(`seccomp/${pinned(firstHash)}`);
    assert.ok(file, `${pinned(firstHash)} is not on the node`);
    assert.equal(c.nodeFile(`seccomp/operator/${namespace}/probe.json`), file, "the stable and pinned files differ");

    await c.applier.apply(deploymentManifest(namespace, "web", "probe"));
    // OnDelete keeps every pod it creates: the first one only once the
    // controller has pointed the template at the profile (a pod created
    // before that would run without it, should the admission webhook have been skipped).
    await c.applier.apply(statefulSetManifest(namespace, "old", "probe", 0));
    await waitUntil(
      async () => {
        const sts = await c.apps().readNamespacedStatefulSet({ namespace, name: "old" });
        return sts.spec!.template.spec!.containers[0]!.securityContext?.seccompProfile?.localhostProfile === pinned(firstHash);
      },
      { what: "the StatefulSet's template pointed at the profile", timeoutMs: 60_000, intervalMs: 250 },
    );
    await c.applier.apply(statefulSetManifest(namespace, "old", "probe", 1));
    const [web] = await waitForPods(c, namespace, "web", pinned(firstHash));
    [oldPod] = (await waitForPods(c, namespace, "old", pinned(firstHash))) as [V1Pod];

    const log = await probeLog(c, namespace, web!.metadata!.name!);
    assert.match(log, /^Seccomp:\s+2$/m, `the container is not under a seccomp filter; log:\n${log}`);
    assert.match(log, /^NoNewPrivs:\s+1$/m);
    assert.match(log, /can't create directory '\/tmp\/e2e-denied': Permission denied/, `mkdir did not fail with EACCES; log:\n${log}`);
    assert.match(log, /^mkdir-failed$/m);
  });

  it("installs a changed profile's new pinned file before the template names it, rolls the pods, and restarts an old pod's container on its old file", async function () {
    const c = cluster();
    await c.applier.apply(profileManifest(namespace, "probe", probeProfileSpec(EPERM, "busybox probe: mkdir denied with EPERM")));

    // Watch the Deployment's template closely: when it first names another
    // file, that file must already be on the node.
    let seen: string | undefined;
    await waitUntil(
      async () => {
        const d = await c.apps().readNamespacedDeployment({ namespace, name: "web" });
        const path = d.spec!.template.spec!.containers[0]!.securityContext?.seccompProfile?.localhostProfile;
        if (path && path !== pinned(firstHash)) {
          seen = path;
          assert.ok(c.nodeFile(`seccomp/${path}`), `the template names ${path} before the file is on the node`);
          return true;
        }
        return false;
      },
      { what: "the Deployment's template moved to the new pinned file", timeoutMs: 60_000, intervalMs: 50 },
    );
    const profile = await c.waitForProfileReady(namespace, "probe");
    secondHash = profile.status!.hash!;
    assert.notEqual(secondHash, firstHash);
    assert.equal(seen, pinned(secondHash));

    const [web] = await waitForPods(c, namespace, "web", pinned(secondHash));
    const log = await probeLog(c, namespace, web!.metadata!.name!);
    assert.match(log, /can't create directory '\/tmp\/e2e-denied': Operation not permitted/, `the rolled pod does not run the new profile; log:\n${log}`);

    // The StatefulSet (OnDelete) got the new template but keeps its pod.
    const sts = await c.apps().readNamespacedStatefulSet({ namespace, name: "old" });
    assert.equal(sts.spec!.template.spec!.containers[0]!.securityContext?.seccompProfile?.localhostProfile, pinned(secondHash));
    const before = await c.core().readNamespacedPod({ namespace, name: oldPod.metadata!.name! });
    assert.equal(before.metadata!.uid, oldPod.metadata!.uid, "the old pod was replaced");
    assert.equal(containerProfile(before), pinned(firstHash));
    assert.ok(c.nodeFile(`seccomp/${pinned(firstHash)}`), "the old pinned file is gone while a pod uses it");

    // Kill the old pod's container process: the kubelet restarts it, and the
    // runtime reads the profile again, from the path its pod names.
    const restarts = before.status!.containerStatuses![0]!.restartCount;
    // The node shares this machine's PID namespace: the container's process
    // is killed from here, as an OOM kill or a crash would end it.
    process.kill(await c.containerPid(before), "SIGKILL");
    let after: V1Pod | undefined;
    await waitUntil(
      async () => {
        after = await c.core().readNamespacedPod({ namespace, name: oldPod.metadata!.name! });
        const s = after.status?.containerStatuses?.[0];
        return !!s && s.restartCount > restarts && !!s.state?.running;
      },
      { what: "the old pod's container restarted", timeoutMs: 60_000, intervalMs: 250 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${describePods(after ? [after] : [])}`);
    });
    const oldLog = await probeLog(c, namespace, oldPod.metadata!.name!);
    assert.match(oldLog, /^Seccomp:\s+2$/m);
    assert.match(oldLog, /Permission denied/, `the restarted container did not get its old profile (EACCES); log:\n${oldLog}`);
  });

  it("keeps a deleted profile while a running pod uses it, and lets it go once the pod is gone", async function () {
    const c = cluster();
    // Nothing references the profile any more, but the old pod still runs
    // under one of its files: the StatefulSet loses its annotation (OnDelete:
    // the pod stays), the Deployment goes with its pods.
    await c.applier.delete(deploymentManifest(namespace, "web", "probe"));
    const sts = statefulSetManifest(namespace, "old", "probe");
    delete (sts.metadata as { annotations?: unknown }).annotations;
    await c.applier.apply(sts);
    await waitUntil(async () => (await c.pods(namespace, "app=web")).length === 0, {
      what: "the Deployment's pods gone",
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    const running = await c.core().readNamespacedPod({ namespace, name: oldPod.metadata!.name! });
    assert.equal(running.metadata!.uid, oldPod.metadata!.uid);
    assert.equal(containerProfile(running), pinned(firstHash));

    await c.applier.delete(profileManifest(namespace, "probe", {}));
    let held = await c.profile(namespace, "probe");
    await waitUntil(
      async () => {
        held = await c.profile(namespace, "probe");
        return held.status?.conditions?.some((x) => x.type === "Ready" && x.reason === "DeletionBlocked") ?? false;
      },
      { what: "the deleted profile reported as DeletionBlocked", timeoutMs: 30_000, intervalMs: 250 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; metadata ${JSON.stringify(held.metadata)}, conditions ${JSON.stringify(held.status?.conditions)}`);
    });
    const ready = held.status!.conditions!.find((x) => x.type === "Ready")!;
    assert.ok(held.metadata.deletionTimestamp, "the profile was not marked for deletion");
    assert.ok(held.metadata.finalizers?.includes("seccomp.operator.dev/in-use"), "the profile lost its finalizer while in use");
    assert.match(ready.message ?? "", new RegExp(oldPod.metadata!.name!), `DeletionBlocked does not name the pod: ${ready.message}`);
    // A few seconds later it is still there, and so is the file the pod runs under.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.ok((await c.profile(namespace, "probe")).metadata.deletionTimestamp);
    assert.ok(c.nodeFile(`seccomp/${pinned(firstHash)}`), "the pinned file of a running pod was removed");

    await c.applier.delete(sts);
    await waitUntil(
      async () => {
        try {
          await c.profile(namespace, "probe");
          return false;
        } catch (err) {
          if ((err as { code?: number }).code === 404) return true;
          throw err;
        }
      },
      { what: "the profile gone once no pod uses it", timeoutMs: 120_000, intervalMs: 500 },
    ).catch(async (err: Error) => {
      const left = await c.pods(namespace, "app");
      throw new Error(`${err.message}\npods left:\n${describePods(left)}`);
    });
    // The agent removes the stable file when the profile goes.
    await waitUntil(async () => c.nodeFile(`seccomp/operator/${namespace}/probe.json`) === undefined, {
      what: "the stable file removed from the node",
      timeoutMs: 30_000,
      intervalMs: 250,
    });
  });
});
