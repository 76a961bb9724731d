// The admission webhook against hostile clients and its own start, with the real controller
// process and API server: connections that hold large bodies must not take the controller's
// memory or event loop, and a fresh start must never register a CA bundle before a replica
// serves the certificate it verifies (with failurePolicy Fail every create would fail; with
// Ignore it would run without its profile). A pod admitted without its profile all the same (the
// webhook skipped) is reported: an Event on it, a metric, the report's column.
import assert from "node:assert/strict";
import { PROFILE_ANNOTATION } from "../../src/api/names.js";
import { POD_RESOURCE } from "../../src/api/resources.js";
import { MUTATING_WEBHOOK_CONFIGURATIONS } from "../../src/controller/admission/webhook-configuration.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { rssMiB, settledRssMiB } from "../../bench/process-memory.js";
import { longestWait, startFlood } from "../harness/admission-flood.js";
import type { ClusterReport } from "../../src/cli/cluster-report.js";
import { cliMain, startController, type ControllerProcess } from "../harness/agents.js";
import { commandResult } from "../harness/command-result.js";
import { eventually } from "../harness/eventually.js";
import { installCrds } from "../harness/crds.js";
import { createNamespace, ensureDefaultServiceAccount } from "../harness/namespaces.js";
import { scrapeMetrics } from "../harness/metrics.js";
import { freePorts } from "../harness/ports.js";
import { useControlPlane } from "../harness/shared.js";

/** What the server takes (kube/webhook-server.ts): 7 MiB. */
const LARGEST_BODY = 7 * 1024 * 1024;

interface Config extends KubeObject {
  webhooks: Array<{ clientConfig: { caBundle?: string } }>;
}

describe("admission webhook under hostile clients", function () {
  this.timeout(240_000);
  const cp = useControlPlane();
  let client: RestClient;
  let ns: string;
  let operatorNs: string;
  let controller: ControllerProcess | undefined;
  const configs: string[] = [];

  const webhookArgs = (port: number, config: string, extra: string[] = []) => {
    configs.push(config);
    return [`--webhook-addr=127.0.0.1:${port}`, `--webhook-url=https://127.0.0.1:${port}`, `--webhook-config=${config}`, `--operator-namespace=${operatorNs}`, "--webhook-timeout=2", ...extra];
  };
  const dryRunPod = (name: string) =>
    client.create<KubeObject>({ ...POD_RESOURCE, namespace: ns }, { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns, annotations: { [PROFILE_ANNOTATION]: "absent" } }, spec: { containers: [{ name: "app", image: "app:1" }] } }, { dryRun: true });

  before(async () => {
    await installCrds(cp().kubeConfig());
    client = new RestClient(cp().kubeConfig());
    ns = await createNamespace(cp(), "hostile");
    operatorNs = await createNamespace(cp(), "hostile-operator");
    await ensureDefaultServiceAccount(cp(), ns);
  });

  afterEach(async () => {
    await controller?.process.stop();
    controller = undefined;
  });

  after(async () => {
    for (const name of configs) await client.delete({ ...MUTATING_WEBHOOK_CONFIGURATIONS, name }).catch(() => undefined);
  });

  it("keeps its memory and /healthz while 60 connections send bodies of the largest size slowly and 4 send them whole", async () => {
    const [port] = await freePorts(1);
    controller = await startController(cp(), { identity: "hostile-flood", extraArgs: webhookArgs(port!, `hostile-flood-${process.pid}`, ["--webhook-secret=hostile-flood"]) });
    const pid = controller.process.pid;
    const baseline = await settledRssMiB(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 250);
    // 60 x 384 KiB/s: every body would be whole after about 19 s, 420 MiB held.
    const flood = startFlood({ port: port!, slow: 60, whole: 4, bodyBytes: LARGEST_BODY, slowRate: 384 * 1024 });
    const attack = new Promise((resolve) => setTimeout(resolve, 25_000));
    const health = await longestWait(`http://127.0.0.1:${controller.healthPort}/healthz`, attack);
    const result = await flood.stop();
    clearInterval(sampler);
    const lag = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(await scrapeMetrics(cp(), controller.metricsPort))?.[1];
    const summary = `event loop delay at most ${(Number(lag) * 1000).toFixed(0)} ms, RSS ${baseline.toFixed(0)} -> peak ${peak.toFixed(0)} MiB, /healthz at most ${health.maxMs.toFixed(0)} ms (${health.failures} failed), ${result.connections} connections, answers ${JSON.stringify(result.answers)}`;
    console.log(`      ${summary}`);
    assert.ok(peak - baseline < 150, `memory held by the flood: ${summary}`);
    assert.equal(health.failures, 0, summary);
    assert.ok(health.maxMs < 1_000, `event loop taken: ${summary}`);
    assert.ok((result.answers["503"] ?? 0) > 0, `the byte budget refused requests: ${summary}`);
    // And it still answers the API server.
    await dryRunPod("after-flood");
  });

  it("registers a fresh CA bundle only once the certificate it verifies is served (failurePolicy Fail, 10 s certificate polls)", async () => {
    const [port] = await freePorts(1);
    const config = `hostile-fresh-${process.pid}`;
    controller = await startController(cp(), {
      identity: "hostile-fresh",
      waitReady: false,
      extraArgs: webhookArgs(port!, config, ["--webhook-secret=hostile-fresh", "--webhook-failure-policy=Fail", "--webhook-check-interval=10"]),
    });
    // From the moment the configuration trusts a CA, every create must be answered.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found = await client.find<Config>({ ...MUTATING_WEBHOOK_CONFIGURATIONS, name: config });
      if (found?.webhooks.every((w) => (w.clientConfig.caBundle ?? "") !== "")) break;
      assert.ok(Date.now() < deadline, "the configuration is registered");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const failures: string[] = [];
    const until = Date.now() + 12_000;
    for (let i = 0; Date.now() < until; i++) {
      try {
        await dryRunPod(`fresh-${i}`);
      } catch (error) {
        failures.push(`${((until - 12_000 - Date.now()) / -1000).toFixed(1)} s: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(failures.slice(0, 3), [], `${failures.length} creates failed`);
  });

  it("reports pods that asked for a profile and run without it, bare and a Job's: an Event on each, the metric, the report", async () => {
    // No webhook at all: nothing sets the profiles at creation, as when the API server skips it.
    for (const name of configs) await client.delete({ ...MUTATING_WEBHOOK_CONFIGURATIONS, name }).catch(() => undefined);
    controller = await startController(cp(), { identity: "hostile-unprofiled" });
    const JOBS = { group: "batch", version: "v1", plural: "jobs" };
    // The API server may still call the deleted configuration's webhook for a moment.
    const job = await eventually(() =>
      client.create<KubeObject>(
        { ...JOBS, namespace: ns },
        { apiVersion: "batch/v1", kind: "Job", metadata: { name: "nightly", namespace: ns, annotations: { [PROFILE_ANNOTATION]: "web" } }, spec: { suspend: true, template: { spec: { restartPolicy: "Never", containers: [{ name: "run", image: "run:1" }] } } } },
      ),
    );
    const createPod = (name: string, extra: object) => client.create<KubeObject>({ ...POD_RESOURCE, namespace: ns }, { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns, ...extra }, spec: { containers: [{ name: "app", image: "app:1" }] } });
    await createPod("bare", { annotations: { [PROFILE_ANNOTATION]: "web" } });
    // As the Job controller makes it: the Job's annotation is not on the pod.
    await createPod("nightly-x", { ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "nightly", uid: job.metadata!.uid!, controller: true }] });
    await createPod("unasked", {});

    const events = await eventually(async () => {
      const list = await client.list<KubeObject & { reason?: string; note?: string; regarding?: { kind?: string; name?: string } }>({ group: "events.k8s.io", version: "v1", plural: "events", namespace: ns });
      const found = list.items.filter((e) => e.reason === "ProfileNotApplied").map((e) => `${e.regarding?.kind}/${e.regarding?.name}`).sort();
      assert.deepEqual(found, ["Pod/bare", "Pod/nightly-x"]);
      return list.items.filter((e) => e.reason === "ProfileNotApplied");
    });
    assert.match(events[0]!.note ?? "", /asked for a seccomp profile by annotation but runs without the operator's/);
    await eventually(async () => {
      const metrics = await scrapeMetrics(cp(), controller!.metricsPort);
      assert.match(metrics, new RegExp(`^seccomp_profile_not_applied_containers\\{namespace="${ns}"\\} 2$`, "m"));
    });

    const { code, stdout, stderr } = await commandResult(process.execPath, [cliMain, "report", "-n", ns, "-o", "json"], { ...process.env, KUBECONFIG: cp().kubeconfigPath });
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as ClusterReport;
    const rows = result.namespaces[0]!.workloads.flatMap((w) => w.containers.map((c) => `${c.pod} ${c.profileNotApplied === true}`)).sort();
    assert.deepEqual(rows, ["bare true", "nightly-x true", "unasked false"]);
    assert.equal(result.totals.profileNotApplied, 2);
  });
});
