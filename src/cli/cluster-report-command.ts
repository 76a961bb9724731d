// `seccomp-operator report` (and `kubectl seccomp report`): reads pods, their owners and the
// SeccompProfiles they name from a cluster, with kubectl's flags and defaults, and prints
// cluster-report.ts's report.
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { podSeccompOf } from "../api/container-seccomp.js";
import { POD_RESOURCE, PROFILE_RESOURCE } from "../api/resources.js";
import type { SeccompProfile } from "../api/seccomp-profile.js";
import { isForbidden, isNotFound } from "../kube/api-error.js";
import { loadKubeConfig } from "../kube/kubeconfig.js";
import type { KubeObject } from "../kube/objects.js";
import type { Resource } from "../kube/resource.js";
import { RestClient } from "../kube/rest-client.js";
import { operatorVersion } from "../version.js";
import { buildReport, failsAt, formatReportTable, type Owner } from "./cluster-report.js";
import { EXIT, UsageError } from "./exit-codes.js";

const FAIL_ON = ["unconfined", "runtime-default"] as const;
type FailOn = (typeof FAIL_ON)[number];

/** kubectl runs a plugin by its file name; the help then speaks of `kubectl seccomp`. */
export function programName(argv1 = process.argv[1] ?? ""): string {
  return basename(argv1) === "kubectl-seccomp" ? "kubectl seccomp" : "seccomp-operator";
}

export function reportHelp(program: string): string {
  return `Usage: ${program} report [-n NS | -A] [-o table|json] [--fail-on unconfined|runtime-default]

Lists every container of every pod (init and ephemeral containers too) with the seccomp profile it
effectively runs under: Unconfined (set, unset, or privileged), RuntimeDefault, a Localhost profile of
this operator (the SeccompProfile, its hash, and whether that is the profile's current version), or a
Localhost profile of another origin; and whether it is privileged and allows privilege escalation.
Grouped by namespace and owning workload, with a verdict per namespace and totals. Windows and
HostProcess pods, and finished pods, are listed as ignored.

  -n, --namespace NS         the namespace (default: the context's namespace, else default)
  -A, --all-namespaces       every namespace
  -o, --output table|json    output format (default table)
      --fail-on LEVEL        exit 1 when a container runs unconfined, or (runtime-default)
                             unconfined or only with RuntimeDefault
      --kubeconfig FILE      default: KUBECONFIG, in-cluster, then ~/.kube/config
      --context NAME         a context of the kubeconfig other than its current one
  -h, --help                 this help

Reads pods, ReplicaSets, Jobs and SeccompProfiles. Exit codes: 0 ok, 1 --fail-on matched,
2 usage error, 3 the cluster could not be read.
`;
}

const REPLICASETS: Resource = { group: "apps", version: "v1", plural: "replicasets" };
const JOBS: Resource = { group: "batch", version: "v1", plural: "jobs" };

/** `seccomp-operator report`: the exit code. */
export async function reportCommand(argv: readonly string[], io: { stdout: (t: string) => void; stderr: (t: string) => void }, program = programName()): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      namespace: { type: "string", short: "n" },
      "all-namespaces": { type: "boolean", short: "A", default: false },
      output: { type: "string", short: "o", default: "table" },
      "fail-on": { type: "string" },
      kubeconfig: { type: "string" },
      context: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    io.stdout(reportHelp(program));
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`report takes no arguments, got ${positionals.join(" ")}`);
  if (values.namespace !== undefined && values["all-namespaces"]) throw new UsageError("--namespace and --all-namespaces exclude each other");
  const output = values.output;
  if (output !== "table" && output !== "json") throw new UsageError(`--output must be table or json, not ${JSON.stringify(output)}`);
  const failOn = values["fail-on"];
  if (failOn !== undefined && !FAIL_ON.includes(failOn as FailOn)) throw new UsageError(`--fail-on must be unconfined or runtime-default, not ${JSON.stringify(failOn)}`);

  const config = loadKubeConfig({
    allowExec: true,
    ...(values.kubeconfig === undefined ? {} : { kubeconfig: values.kubeconfig }),
    ...(values.context === undefined ? {} : { context: values.context }),
  });
  if (!config.ok) {
    io.stderr(`error: ${config.error}\n`);
    return EXIT.input;
  }
  const namespace = values["all-namespaces"] ? undefined : (values.namespace ?? config.namespace ?? "default");
  const client = new RestClient(config.kubeConfig, { userAgent: `seccomp-operator-report/${operatorVersion()}` });
  try {
    const pods = (await client.listAll<KubeObject>({ ...POD_RESOURCE, ...(namespace ? { namespace } : {}) })).items;
    const notes: string[] = [];
    const jobs = new Map<string, KubeObject>();
    const owners = await readOwners(client, namespace, pods, notes, jobs);
    const profiles = await readProfiles(client, pods);
    const report = buildReport({ pods, owners, jobs, profiles: (ns, name) => profiles.get(`${ns}/${name}`), notes });
    if (output === "json") io.stdout(`${JSON.stringify({ scope: namespace ?? "all namespaces", ...report }, null, 2)}\n`);
    else io.stdout(report.namespaces.length === 0 ? `no pods in ${namespace === undefined ? "any namespace" : `namespace ${namespace}`}\n` : formatReportTable(report));
    return failOn !== undefined && failsAt(report, failOn as FailOn) ? EXIT.findings : EXIT.ok;
  } catch (error) {
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.input;
  }
}

/** The Deployment or CronJob behind each ReplicaSet or Job that owns a listed pod (and the Jobs, into `jobs`); without read access, the ReplicaSet or Job itself. */
async function readOwners(client: RestClient, namespace: string | undefined, pods: KubeObject[], notes: string[], jobs: Map<string, KubeObject>): Promise<Map<string, Owner>> {
  const owners = new Map<string, Owner>();
  const kinds = new Set(pods.flatMap((p) => (p.metadata?.ownerReferences ?? []).filter((r) => r.controller === true).map((r) => r.kind)));
  for (const [kind, resource] of [["ReplicaSet", REPLICASETS], ["Job", JOBS]] as const) {
    if (!kinds.has(kind)) continue;
    try {
      const items = (await client.listAll<KubeObject>({ ...resource, ...(namespace ? { namespace } : {}) })).items;
      for (const item of items) {
        if (kind === "Job" && item.metadata?.uid) jobs.set(item.metadata.uid, item);
        const ref = item.metadata?.ownerReferences?.find((r) => r.controller === true);
        if (ref !== undefined && item.metadata?.uid) owners.set(item.metadata.uid, { kind: ref.kind, name: ref.name });
      }
    } catch (error) {
      if (!isForbidden(error)) throw error;
      notes.push(`${resource.plural} cannot be listed: pods are grouped by their ${kind}, not the workload above it`);
    }
  }
  return owners;
}

/** The SeccompProfiles that operator paths name, by `namespace/name`: `null` when missing, absent when forbidden. */
async function readProfiles(client: RestClient, pods: KubeObject[]): Promise<Map<string, { hash?: string } | null>> {
  const refs = new Map<string, { namespace: string; name: string }>();
  for (const pod of pods) {
    const seccomp = podSeccompOf(pod);
    if (seccomp.ignored !== undefined) continue;
    for (const c of seccomp.containers) if (c.operatorProfile) refs.set(`${c.operatorProfile.namespace}/${c.operatorProfile.name}`, c.operatorProfile);
  }
  const found = new Map<string, { hash?: string } | null>();
  await Promise.all(
    [...refs].map(async ([key, ref]) => {
      try {
        const profile = await client.get<SeccompProfile>({ ...PROFILE_RESOURCE, namespace: ref.namespace, name: ref.name });
        found.set(key, profile.status?.hash === undefined ? {} : { hash: profile.status.hash });
      } catch (error) {
        if (isNotFound(error)) found.set(key, null);
        else if (!isForbidden(error)) throw error;
      }
    }),
  );
  return found;
}
