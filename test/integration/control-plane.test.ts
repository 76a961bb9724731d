// The test control plane is a real one: the API server reports the release it
// was built from, authenticates clients by certificate and enforces RBAC.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  AuthenticationV1Api,
  CoreV1Api,
  RbacAuthorizationV1Api,
  VersionApi,
} from "@kubernetes/client-node";
import { rejection } from "../harness/api-errors.js";
import { repoRoot } from "../harness/binaries.js";
import { eventually } from "../harness/eventually.js";
import { loadKubeConfig } from "../harness/kubeconfig.js";
import { useNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";

function pinnedKubernetesVersion(): string {
  const goMod = readFileSync(join(repoRoot, "hack/control-plane/kubernetes/go.mod"), "utf8");
  const match = /^\s*k8s\.io\/kubernetes (v\S+)/m.exec(goMod);
  assert.ok(match, "k8s.io/kubernetes is required in hack/control-plane/kubernetes/go.mod");
  return match[1]!;
}

describe("test control plane", function () {
  const cp = useControlPlane();
  const namespace = useNamespace(cp);

  it("reports the Kubernetes release it was built from", async function () {
    const info = await cp().kubeConfig().makeApiClient(VersionApi).getCode();
    const match = /^v(\d+)\.(\d+)\.\d+/.exec(info.gitVersion);
    assert.ok(match, `gitVersion ${info.gitVersion} is a release version`);
    assert.equal(info.major, match[1]);
    assert.equal(info.minor, match[2]);
    const overridden = process.env.KUBEBUILDER_ASSETS || process.env.TEST_ASSET_KUBE_APISERVER;
    if (!overridden) assert.equal(info.gitVersion, pinnedKubernetesVersion());
  });

  it("authenticates a client certificate as the user and groups it names", async function () {
    const kubeconfig = await cp().userKubeconfig("jane", ["developers"]);
    const review = await loadKubeConfig(kubeconfig)
      .makeApiClient(AuthenticationV1Api)
      .createSelfSubjectReview({ body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } });
    assert.equal(review.status?.userInfo?.username, "jane");
    assert.ok(review.status?.userInfo?.groups?.includes("developers"));
    assert.ok(review.status?.userInfo?.groups?.includes("system:authenticated"));
  });

  it("enforces RBAC: denied until a RoleBinding grants access", async function () {
    const ns = namespace();
    const kubeconfig = await cp().userKubeconfig("auditor");
    const asAuditor = loadKubeConfig(kubeconfig).makeApiClient(CoreV1Api);

    const denied = await rejection(asAuditor.listNamespacedConfigMap({ namespace: ns }));
    assert.equal(denied.code, 403);
    assert.match(denied.status.message ?? "", /"auditor" cannot list resource "configmaps"/);

    const rbac = cp().kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: "configmap-reader" },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: "auditor-reads-configmaps" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "configmap-reader" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "auditor" }],
      },
    });
    // The authorizer reads RBAC objects through an informer: allow it to catch up.
    const list = await eventually(() => asAuditor.listNamespacedConfigMap({ namespace: ns }), { timeoutMs: 10_000 });
    assert.ok(Array.isArray(list.items));

    // The Role grants reading only, and only in this namespace.
    assert.equal((await rejection(asAuditor.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "x" } } }))).code, 403);
    assert.equal((await rejection(asAuditor.listNamespacedConfigMap({ namespace: "default" }))).code, 403);
  });
});
