// The CLI as a kubectl plugin: a real kubectl (built from the pinned Kubernetes module) finds
// `kubectl-seccomp` on PATH and runs it with the arguments after `seccomp`.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { POD_RESOURCE } from "../../src/api/resources.js";
import type { ClusterReport } from "../../src/cli/cluster-report.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { cliMain, requireBuiltCli } from "../harness/agents.js";
import { toolPath } from "../harness/binaries.js";
import { commandResult, type CommandResult } from "../harness/command-result.js";
import { createNamespace, ensureDefaultServiceAccount } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";

describe("kubectl seccomp (the CLI as a kubectl plugin)", function () {
  this.timeout(120_000);
  const cp = useControlPlane();
  let kubectl: string;
  let bin: string;
  let ns: string;

  function plugin(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
    // A PATH with the plugin and node (its #! line), and no KUBECONFIG unless given.
    const { KUBECONFIG: _, ...rest } = process.env;
    const PATH = [bin, dirname(process.execPath), process.env.PATH].join(delimiter);
    return commandResult(kubectl, args, { ...rest, PATH, HOME: bin, ...env });
  }

  before(async function () {
    // A cold build of kubectl takes minutes; it is cached afterwards.
    this.timeout(30 * 60_000);
    requireBuiltCli();
    kubectl = await toolPath("kubectl");
    bin = mkdtempSync(join(tmpdir(), "kubectl-plugins-"));
    // What `npm install -g` does with package.json's bin entry.
    chmodSync(cliMain, 0o755);
    symlinkSync(cliMain, join(bin, "kubectl-seccomp"));
    ns = await createNamespace(cp(), "kubectl-plugin");
    const client = new RestClient(cp().kubeConfig());
    await ensureDefaultServiceAccount(cp(), ns);
    await client.create({ ...POD_RESOURCE, namespace: ns }, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web" },
      spec: { containers: [{ name: "app", image: "x", securityContext: { seccompProfile: { type: "RuntimeDefault" } } }, { name: "sidecar", image: "y" }] },
    });
  });
  after(() => {
    if (bin) rmSync(bin, { recursive: true, force: true });
  });

  it("is listed by kubectl plugin list", async () => {
    const { code, stdout, stderr } = await plugin(["plugin", "list"]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`^${join(bin, "kubectl-seccomp").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`, "m"));
  });

  it("runs report with kubectl's flags: --kubeconfig, -n, -o, and speaks of `kubectl seccomp` in its help", async () => {
    const { code, stdout, stderr } = await plugin(["seccomp", "report", "--kubeconfig", cp().kubeconfigPath, "-n", ns, "-o", "json", "--fail-on", "unconfined"]);
    assert.equal(code, 1, stderr);
    const report = JSON.parse(stdout) as ClusterReport;
    assert.deepEqual(report.namespaces.map((n) => [n.namespace, n.verdict.text]), [[ns, "1 of 2 containers run unconfined"]]);
    const help = await plugin(["seccomp", "report", "--help"]);
    assert.match(help.stdout, /^Usage: kubectl seccomp report /);
  });

  it("reads KUBECONFIG as kubectl does, and -A covers every namespace", async () => {
    const { code, stdout, stderr } = await plugin(["seccomp", "report", "-A", "-o", "json"], { KUBECONFIG: cp().kubeconfigPath });
    assert.equal(code, 0, stderr);
    assert.ok((JSON.parse(stdout) as ClusterReport).namespaces.some((n) => n.namespace === ns));
  });

  it("runs the offline commands too", async () => {
    const version = await plugin(["seccomp", "version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
    const lint = await plugin(["seccomp", "lint", join(cliMain, "..", "..", "..", "config", "samples")]);
    assert.equal(lint.code, 0, lint.stderr);
    assert.match(lint.stderr, /^5 profiles: 0 errors/m);
  });
});
