// The CustomResourceDefinitions in crds/ as a real API server sees them: they
// are accepted, become Established, and serve the kinds the code expects.
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { ApiextensionsV1Api, type V1APIResourceList, type V1CustomResourceDefinition } from "@kubernetes/client-node";
import {
  GROUP,
  NODE_STATUS_KIND,
  NODE_STATUS_PLURAL,
  NODE_STATUS_SHORT_NAMES,
  PROFILE_KIND,
  PROFILE_PLURAL,
  PROFILE_SHORT_NAMES,
  VERSION,
} from "../../src/api/names.js";
import { installCrds, loadCrds } from "../harness/crds.js";
import { eventually } from "../harness/eventually.js";
import { apiGet } from "../harness/raw-api.js";
import { useControlPlane } from "../harness/shared.js";

const PROFILE_CRD = `${PROFILE_PLURAL}.${GROUP}`;
const NODE_STATUS_CRD = `${NODE_STATUS_PLURAL}.${GROUP}`;

function condition(crd: V1CustomResourceDefinition, type: string): string | undefined {
  return crd.status?.conditions?.find((c) => c.type === type)?.status;
}

describe("CustomResourceDefinitions in crds/", function () {
  const cp = useControlPlane();
  let installed: V1CustomResourceDefinition[];

  before(async function () {
    this.timeout(60_000);
    installed = await installCrds(cp().kubeConfig());
  });

  it("contain one CRD for each kind of the API", async function () {
    const names = (await loadCrds()).map((c) => c.metadata?.name).sort();
    assert.deepEqual(names, [NODE_STATUS_CRD, PROFILE_CRD, "seccompprofilerevisions.seccomp.operator.dev", "seccompprofilerecordings.seccomp.operator.dev", "seccomprecordingreports.seccomp.operator.dev"].sort());
  });

  it("install and become Established with their names accepted", function () {
    for (const crd of installed) {
      const name = crd.metadata!.name!;
      assert.equal(condition(crd, "Established"), "True", `${name} Established`);
      assert.equal(condition(crd, "NamesAccepted"), "True", `${name} NamesAccepted`);
      assert.equal(condition(crd, "NonStructuralSchema"), undefined, `${name} has a structural schema`);
      assert.deepEqual(crd.status?.acceptedNames?.kind, crd.spec.names.kind);
    }
  });

  it("are served with the schema and names exactly as written in crds/", async function () {
    // A field the API server drops or rewrites would show as a permanent diff
    // in every GitOps tool that applies crds/.
    const differences: string[] = [];
    for (const file of await loadCrds()) {
      // Read as JSON off the wire: the typed client renames schema keywords.
      const res = await apiGet(cp().kubeConfig(), `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${file.metadata!.name}`);
      assert.equal(res.status, 200, res.text);
      const served = res.body as V1CustomResourceDefinition;
      const name = file.metadata!.name!;
      collectDifferences(served.spec.names, file.spec.names, `${name}: spec.names`, differences);
      collectDifferences(served.spec.scope, file.spec.scope, `${name}: spec.scope`, differences);
      file.spec.versions.forEach((version, i) => {
        const servedVersion = served.spec.versions[i];
        for (const key of ["name", "served", "storage", "schema", "subresources", "additionalPrinterColumns"] as const) {
          collectDifferences(servedVersion?.[key], version[key], `${name}: spec.versions[${i}].${key}`, differences);
        }
      });
    }
    assert.deepEqual(differences, [], "served differs from crds/");
  });

  it("install again without changing anything (server-side apply is idempotent)", async function () {
    const ext = cp().kubeConfig().makeApiClient(ApiextensionsV1Api);
    const before = await Promise.all(installed.map((c) => ext.readCustomResourceDefinition({ name: c.metadata!.name! })));
    await installCrds(cp().kubeConfig());
    const after = await Promise.all(installed.map((c) => ext.readCustomResourceDefinition({ name: c.metadata!.name! })));
    assert.deepEqual(
      after.map((c) => c.metadata?.resourceVersion),
      before.map((c) => c.metadata?.resourceVersion),
    );
  });

  it("serve SeccompProfile (namespaced, with a status subresource) and SeccompNodeStatus (cluster-scoped)", async function () {
    const res = await apiGet(cp().kubeConfig(), `/apis/${GROUP}/${VERSION}`);
    assert.equal(res.status, 200, res.text);
    const resources = (res.body as V1APIResourceList).resources;
    const byName = new Map(resources.map((r) => [r.name, r]));

    const profiles = byName.get(PROFILE_PLURAL);
    assert.ok(profiles, `${PROFILE_PLURAL} is served`);
    assert.equal(profiles.kind, PROFILE_KIND);
    assert.equal(profiles.namespaced, true);
    assert.deepEqual([...(profiles.shortNames ?? [])].sort(), [...PROFILE_SHORT_NAMES].sort());
    for (const verb of ["create", "get", "list", "watch", "patch", "update", "delete"]) {
      assert.ok(profiles.verbs.includes(verb), `${PROFILE_PLURAL} supports ${verb}`);
    }
    assert.ok(byName.has(`${PROFILE_PLURAL}/status`), "SeccompProfile has a status subresource");

    const nodeStatuses = byName.get(NODE_STATUS_PLURAL);
    assert.ok(nodeStatuses, `${NODE_STATUS_PLURAL} is served`);
    assert.equal(nodeStatuses.kind, NODE_STATUS_KIND);
    assert.equal(nodeStatuses.namespaced, false);
    assert.deepEqual([...(nodeStatuses.shortNames ?? [])].sort(), [...NODE_STATUS_SHORT_NAMES].sort());
  });

  it("publish a description for every field in the OpenAPI schema (kubectl explain)", async function () {
    // The OpenAPI document of a new group is published shortly after its CRDs.
    const res = await eventually(async () => {
      const r = await apiGet(cp().kubeConfig(), `/openapi/v3/apis/${GROUP}/${VERSION}`);
      assert.equal(r.status, 200, r.text);
      return r;
    });
    const schemas = (res.body as { components: { schemas: Record<string, Schema> } }).components.schemas;
    const undocumented: string[] = [];
    for (const kind of [PROFILE_KIND, NODE_STATUS_KIND]) {
      const entry = Object.entries(schemas).find(([key]) => key.endsWith(`.${VERSION}.${kind}`));
      assert.ok(entry, `the OpenAPI document has a schema for ${kind}`);
      const [, schema] = entry;
      for (const top of ["spec", "status"]) {
        const child = schema.properties?.[top];
        if (child) collectUndocumented(child, `${kind}.${top}`, undocumented);
      }
    }
    assert.deepEqual(undocumented, [], "fields without a description");
  });
});

function collectDifferences(served: unknown, written: unknown, path: string, out: string[]): void {
  if (isDeepStrictEqual(served, written)) return;
  if (served && written && typeof served === "object" && typeof written === "object") {
    const keys = new Set([...Object.keys(served), ...Object.keys(written)]);
    for (const key of keys) {
      const child = Array.isArray(written) ? `${path}[${key}]` : `${path}.${key}`;
      collectDifferences((served as Record<string, unknown>)[key], (written as Record<string, unknown>)[key], child, out);
    }
    return;
  }
  out.push(`${path}: served ${JSON.stringify(served)}, written ${JSON.stringify(written)}`);
}

interface Schema {
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
}

function collectUndocumented(schema: Schema, path: string, out: string[]): void {
  if (!schema.description && !(schema.allOf ?? []).some((s) => s.description)) out.push(path);
  for (const [name, child] of Object.entries(schema.properties ?? {})) collectUndocumented(child, `${path}.${name}`, out);
  if (schema.items) {
    for (const [name, child] of Object.entries(schema.items.properties ?? {})) {
      collectUndocumented(child, `${path}[].${name}`, out);
    }
  }
}
