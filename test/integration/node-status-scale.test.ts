import assert from "node:assert/strict";
import { API_VERSION, MAX_PROFILE_NAME_LENGTH, PROFILE_KIND } from "../../src/api/names.js";
import { MAX_NODE_FAILURES, type NodeReport } from "../../src/api/node-status.js";
import { NODE_STATUS_RESOURCE, PROFILE_RESOURCE } from "../../src/api/resources.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { startAgent, type AgentProcess } from "../harness/agents.js";
import { installCrds } from "../harness/crds.js";
import { eventually } from "../harness/eventually.js";
import { createNamespace } from "../harness/namespaces.js";
import { apiGet } from "../harness/raw-api.js";
import { ControlPlane } from "../harness/control-plane.js";
import { nodeView } from "../node-digests.js";

const PROFILES = 10_000;
const LIMIT = 256 * 1024;
const spec = { defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: ["exit", "exit_group", "read"], action: "SCMP_ACT_ALLOW" }] };
/** A name of the longest length the API server accepts. */
const longName = (i: number) => `p${i}-`.padEnd(MAX_PROFILE_NAME_LENGTH, "x");

describe("node status at scale", function () {
  this.timeout(900_000);
  // A control plane of its own: its 10,000 profiles go with it, and no other suite's agents
  // have to install them.
  let plane: ControlPlane | undefined;
  const cp = () => plane!;
  let client: RestClient;
  let agent: AgentProcess;
  let ns: string;
  let other: string;
  const node = "scale-node";

  before(async function () {
    this.timeout(600_000);
    plane = await ControlPlane.start();
    await installCrds(cp().kubeConfig());
    client = new RestClient(cp().kubeConfig());
    ns = await createNamespace(cp(), "node status scale");
    other = await createNamespace(cp(), "node status scale other");
    agent = await startAgent(cp(), { nodeName: node, extraArgs: ["--heartbeat=2"] });
  });

  after(async () => {
    await agent?.process.stop();
    await plane?.stop();
  });

  const create = (namespace: string, name: string, body: object) =>
    client.create({ ...PROFILE_RESOURCE, namespace }, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, namespace }, spec: body } as KubeObject);
  const report = async () => (await client.get<KubeObject & { status?: NodeReport }>({ ...NODE_STATUS_RESOURCE, name: node })).status;
  /** The object as stored, managedFields included. */
  const storedSize = async () => (await apiGet(cp().kubeConfig(), `/apis/seccomp.operator.dev/v1alpha1/seccompnodestatuses/${node}`)).text.length;

  it(`stays under 256 KiB with ${PROFILES} profiles of ${MAX_PROFILE_NAME_LENGTH}-character names, lists failures fairly, and keeps its heartbeat`, async () => {
    const started = Date.now();
    for (let i = 0; i < PROFILES; i += 100) await Promise.all(Array.from({ length: Math.min(100, PROFILES - i) }, (_, j) => create(ns, longName(i + j), spec)));
    // 100 invalid profiles in one namespace, one in another: both namespaces' failures are listed.
    const invalid = { ...spec, syscalls: [{ names: ["exit", "no_such_call"], action: "SCMP_ACT_ALLOW" }] };
    for (let i = 0; i < 100; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => create(ns, `invalid-${i + j}`, invalid)));
    await create(other, "invalid", invalid);
    console.error(`      ${PROFILES + 101} profiles created in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // Every profile confirmed by the digests, as the controller reads them.
    await eventually(
      async () => {
        const view = await nodeView(client, await report());
        const missing = Array.from({ length: PROFILES }, (_, i) => `${ns}/${longName(i)}`).filter((key) => !view.consistent(key));
        assert.deepEqual(missing.slice(0, 5), [], `${missing.length} profiles not confirmed by the digests`);
      },
      { timeoutMs: 600_000, intervalMs: 5000 },
    );
    console.error(`      installed and reported in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const size = await storedSize();
    console.error(`      SeccompNodeStatus with managedFields: ${size} bytes`);
    assert.ok(size < LIMIT, `${size} bytes`);

    await eventually(async () => {
      const failures = (await report())?.failures ?? [];
      assert.equal(failures.length, MAX_NODE_FAILURES);
      assert.ok(failures.some((f) => f.profile === `${other}/invalid`), "the other namespace's failure is listed");
      assert.match(failures[0]!.reason, /no_such_call is not a syscall/);
    });
    const status = await report();
    assert.ok((status?.failuresOmitted ?? 0) >= 101 - MAX_NODE_FAILURES, `omitted ${status?.failuresOmitted}`);

    // Heartbeats go on, each a write of its own field.
    const first = status?.heartbeatTime;
    await eventually(async () => assert.notEqual((await report())?.heartbeatTime, first), { timeoutMs: 10_000 });
  });
});
