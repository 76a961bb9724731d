// Attack: "metrics are open". /metrics names every namespace that has pods (seccomp_containers)
// and what the daemons do; a tenant's pod must not read them. Both daemons run as real
// processes: /metrics answers only a bearer token the API server authenticates (TokenReview)
// whose user may get /metrics (SubjectAccessReview, granted by the shipped metrics-reader
// ClusterRole), over HTTPS, on a port apart from the kubelet's open probes. The explicit
// opt-out serves them openly and says so in the log.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import { NODE_STATUS_RESOURCE } from "../../src/api/resources.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { startAgent, startController, type AgentProcess, type ControllerProcess } from "../harness/agents.js";
import { installCrds } from "../harness/crds.js";
import { eventually } from "../harness/eventually.js";
import { metricsReaderToken, scrape, serviceAccountToken } from "../harness/metrics.js";
import { apiRequest } from "../harness/raw-api.js";
import { useControlPlane } from "../harness/shared.js";

/** POSTs of TokenReviews the API server has answered so far. */
async function tokenReviews(kc: KubeConfig): Promise<number> {
  const text = (await apiRequest(kc, { path: "/metrics", accept: "text/plain" })).text;
  let total = 0;
  for (const m of text.matchAll(/^apiserver_request_total\{([^}]*)\} (\d+)$/gm)) if (m[1]!.includes('resource="tokenreviews"') && m[1]!.includes('verb="POST"')) total += Number(m[2]);
  return total;
}

describe("metrics access", function () {
  this.timeout(240_000);
  const cp = useControlPlane();
  let client: RestClient;
  let controller: ControllerProcess;
  let agent: AgentProcess;
  const node = "metrics-auth-node";

  before(async function () {
    await installCrds(cp().kubeConfig());
    client = new RestClient(cp().kubeConfig());
    [controller, agent] = await Promise.all([startController(cp(), { identity: "metrics-auth" }), startAgent(cp(), { nodeName: node })]);
  });

  after(async () => {
    await controller?.process.stop();
    await agent?.process.stop();
    await client.delete({ ...NODE_STATUS_RESOURCE, name: node }).catch(() => undefined);
  });

  const daemons = () => [
    { name: "controller", port: controller.metricsPort, healthPort: controller.healthPort, series: /^seccomp_controller_leader 1$/m },
    { name: "agent", port: agent.metricsPort, healthPort: agent.healthPort, series: /^seccomp_agent_profiles_installed \d+$/m },
  ];

  for (const which of ["controller", "agent"]) {
    describe(which, () => {
      const daemon = () => daemons().find((d) => d.name === which)!;

      it("refuses /metrics without a token, and with a token the API server does not know (401)", async () => {
        const anonymous = await scrape(daemon().port);
        assert.equal(anonymous.status, 401, anonymous.text);
        assert.doesNotMatch(anonymous.text, /seccomp_|informer_/);
        const forged = await scrape(daemon().port, { token: "eyJhbGciOiJSUzI1NiJ9.forged.token" });
        assert.equal(forged.status, 401, forged.text);
      });

      it("serves no metrics on the probes' port, which stays open for the kubelet", async () => {
        const res = await fetch(`http://127.0.0.1:${daemon().healthPort}/metrics`);
        const text = await res.text();
        assert.equal(res.status, 404, text.slice(0, 200));
        assert.equal((await fetch(`http://127.0.0.1:${daemon().healthPort}/healthz`)).status, 200);
        assert.equal((await fetch(`http://127.0.0.1:${daemon().healthPort}/readyz`)).status, 200);
      });

      it("refuses a valid ServiceAccount token whose user lacks get /metrics (403)", async () => {
        const res = await scrape(daemon().port, { token: await serviceAccountToken(cp(), "tenant-pod", false) });
        assert.equal(res.status, 403, res.text);
        assert.match(res.text, /system:serviceaccount:metrics-scrapers:tenant-pod may not get \/metrics/);
        assert.doesNotMatch(res.text, /seccomp_|informer_/);
      });

      it("serves the metrics to a ServiceAccount bound to the metrics-reader ClusterRole", async () => {
        const token = await metricsReaderToken(cp());
        await eventually(async () => {
          const res = await scrape(daemon().port, { token });
          assert.equal(res.status, 200, res.text);
          assert.match(res.text, daemon().series);
        });
      });

      it("reviews a token once for a burst of scrapes", async () => {
        const token = await metricsReaderToken(cp());
        assert.equal((await scrape(daemon().port, { token })).status, 200);
        const before = await tokenReviews(cp().kubeConfig());
        assert.ok(before > 0, "the API server counts the daemons' TokenReviews");
        const statuses = await Promise.all(Array.from({ length: 30 }, () => scrape(daemon().port, { token }).then((r) => r.status)));
        assert.deepEqual(new Set(statuses), new Set([200]));
        const reviews = (await tokenReviews(cp().kubeConfig())) - before;
        // The answer is cached for 10 s: at most one more review should that have passed meanwhile.
        assert.ok(reviews <= 1, `${reviews} TokenReviews for 30 scrapes with one token`);
      });

      it("answers a flood of random tokens with 401 or 429 and keeps serving", async () => {
        const statuses = await Promise.all(Array.from({ length: 200 }, (_, i) => scrape(daemon().port, { token: `random-${i}-${Math.random()}` }).then((r) => r.status)));
        for (const status of statuses) assert.ok(status === 401 || status === 429, `HTTP ${status}`);
        assert.equal((await scrape(daemon().port, { token: await metricsReaderToken(cp()) })).status, 200);
        assert.equal((await fetch(`http://127.0.0.1:${daemon().healthPort}/healthz`)).status, 200);
      });
    });
  }

  it("with --metrics-auth=none, serves them over plain HTTP to anyone and warns in its log", async () => {
    const openNode = "metrics-open-node";
    const [open, openAgent] = await Promise.all([
      startController(cp(), { identity: "metrics-open", extraArgs: ["--metrics-auth=none"] }),
      startAgent(cp(), { nodeName: openNode, extraArgs: ["--metrics-auth=none"] }),
    ]);
    try {
      for (const d of [open, openAgent]) {
        const res = await scrape(d.metricsPort, { scheme: "http" });
        assert.equal(res.status, 200, res.text);
        assert.match(res.text, /^process_resident_memory_bytes /m);
        const warning = readFileSync(d.logFile, "utf8")
          .split("\n")
          .filter((line) => line.startsWith("{"))
          .map((line) => JSON.parse(line) as { level?: string; message?: string })
          .find((entry) => entry.level === "warn" && /metrics WITHOUT authentication/.test(entry.message ?? ""));
        assert.ok(warning, `no warning in ${d.logFile}`);
      }
    } finally {
      await open.process.stop();
      await openAgent.process.stop();
      await client.delete({ ...NODE_STATUS_RESOURCE, name: openNode }).catch(() => undefined);
    }
  });
});
