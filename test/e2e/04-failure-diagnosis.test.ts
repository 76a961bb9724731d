// When a profile stops a container from starting, the controller says so on the profile:
// a status finding and a Warning event naming the pod and the container, and the calls the
// runtime needed that the profile does not allow. Proven with a profile that lacks what runc
// calls after it loads the filter.
import assert from "node:assert/strict";
import { CoreV1Api } from "@kubernetes/client-node";
import { describePods, useE2eCluster, type ProfileObject } from "../harness/e2e-cluster.js";
import { createNamespaceIn } from "../harness/namespaces.js";
import { waitUntil } from "../harness/readiness.js";
import { ARCH, BUSYBOX_ALLOWLIST, deploymentManifest, profileManifest } from "./helpers.js";

/** runc lists /proc/self/fd (fstatfs checks it is procfs, getdents64 reads it) to close leaked fds. */
const TAKEN_AWAY = ["fstatfs", "getdents64"];

describe("e2e: a profile that stops its containers from starting is diagnosed on the profile", function () {
  this.timeout(180_000);
  const cluster = useE2eCluster();

  it("names the pod, the container and the calls runc needed, in status.findings and a Warning event", async function () {
    const c = cluster();
    const core = c.kubeConfig().makeApiClient(CoreV1Api);
    const namespace = await createNamespaceIn(c.kubeConfig(), "e2e-diagnosis-");

    await c.applier.apply(
      profileManifest(namespace, "starved", {
        description: "busybox's calls, without two that runc makes after loading the filter",
        defaultAction: "SCMP_ACT_ERRNO",
        architectures: [ARCH],
        syscalls: [{ names: BUSYBOX_ALLOWLIST.filter((n) => !TAKEN_AWAY.includes(n)), action: "SCMP_ACT_ALLOW" }],
      }),
    );
    await c.waitForProfileReady(namespace, "starved");
    await c.applier.apply(deploymentManifest(namespace, "web", "starved"));

    let profile: ProfileObject | undefined;
    const failed = () => (profile?.status as { findings?: { rule: string; message: string; hint?: string }[] } | undefined)?.findings?.find((f) => f.rule === "container-start-failed");
    await waitUntil(
      async () => {
        profile = await c.profile(namespace, "starved");
        return failed() !== undefined;
      },
      { what: "a container-start-failed finding on the profile", timeoutMs: 120_000, intervalMs: 500 },
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}; status: ${JSON.stringify(profile?.status)}\n${describePods(await c.pods(namespace, "app=web"))}\n${JSON.stringify((await c.pods(namespace, "app=web")).map((p) => [p.spec?.containers[0]?.securityContext, p.status?.containerStatuses]))}`);
    });
    const finding = failed()!;
    assert.match(finding.message, new RegExp(`^Pod ${namespace}/web-[a-z0-9-]+ on node [a-z0-9-]+, container probe: failed to start under this profile: `));
    assert.match(finding.hint!, /allowPrivilegeEscalation: false/);
    const named = finding.hint!.slice(finding.hint!.lastIndexOf(": ") + 2).split(", ");
    assert.deepEqual(named, TAKEN_AWAY, `the hint names other calls than the ones taken away: ${finding.hint}`);

    await waitUntil(
      async () => {
        const events = await core.listNamespacedEvent({ namespace, fieldSelector: "involvedObject.kind=SeccompProfile,involvedObject.name=starved" });
        return events.items.some((e) => e.type === "Warning" && e.reason === "ContainerStartFailed" && (e.message ?? "").includes("container probe"));
      },
      { what: "a ContainerStartFailed Warning event on the profile", timeoutMs: 30_000, intervalMs: 500 },
    );

    // Fixed, the containers start and the finding goes.
    await c.applier.apply(
      profileManifest(namespace, "starved", {
        description: "busybox's calls and runc's",
        defaultAction: "SCMP_ACT_ERRNO",
        architectures: [ARCH],
        syscalls: [{ names: BUSYBOX_ALLOWLIST, action: "SCMP_ACT_ALLOW" }],
      }),
    );
    await waitUntil(
      async () => {
        profile = await c.profile(namespace, "starved");
        return failed() === undefined && (await c.pods(namespace, "app=web")).some((p) => p.status?.containerStatuses?.[0]?.ready === true);
      },
      { what: "the finding gone once the fixed profile's pods run", timeoutMs: 120_000, intervalMs: 500 },
    );
  });
});
