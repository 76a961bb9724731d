// The runtime's JSON client against a real API server: reads, pagination,
// writes with optimistic concurrency, server-side apply with field ownership
// (also through /status), watches, and refusals as typed errors.
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { API_VERSION, GROUP, PROFILE_KIND, PROFILE_PLURAL, VERSION } from "../../src/api/names.js";
import { ApiError, isAlreadyExists, isConflict, isForbidden, isInvalid, isNotFound } from "../../src/kube/api-error.js";
import type { KubeObject } from "../../src/kube/objects.js";
import type { Resource } from "../../src/kube/resource.js";
import { RestClient, type WatchEvent } from "../../src/kube/rest-client.js";
import { installCrds } from "../harness/crds.js";
import { loadKubeConfig } from "../harness/kubeconfig.js";
import { useNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";

const CONFIGMAPS: Resource = { group: "", version: "v1", plural: "configmaps" };
const PROFILES: Resource = { group: GROUP, version: VERSION, plural: PROFILE_PLURAL };

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

interface Profile extends KubeObject {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

async function refusal(request: Promise<unknown>): Promise<ApiError> {
  try {
    await request;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("the request succeeded but was expected to be refused");
}

/** Managers of the object and whether each owns `path` (as "f:spec" / "f:defaultAction" keys). */
function owns(obj: KubeObject, manager: string, path: string[], subresource = ""): boolean {
  const entry = obj.metadata?.managedFields?.find((m) => m.manager === manager && ((m.subresource as string | undefined) ?? "") === subresource);
  let node: unknown = entry?.fieldsV1;
  for (const field of path) {
    if (!node || typeof node !== "object") return false;
    node = (node as Record<string, unknown>)[`f:${field}`];
  }
  return node !== undefined;
}

const allowlist = { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read", "write"], action: "SCMP_ACT_ALLOW" }] };

describe("kube REST client", function () {
  const cp = useControlPlane();
  const namespace = useNamespace(cp);
  let client: RestClient;

  before(async function () {
    this.timeout(60_000);
    client = new RestClient(cp().kubeConfig());
    await installCrds(cp().kubeConfig());
  });

  const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>): ConfigMap => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: namespace(), labels },
    data,
  });

  it("creates, reads, patches, replaces and deletes, telling refusals apart by code", async function () {
    const ref = { ...CONFIGMAPS, namespace: namespace() };
    const created = await client.create(ref, cm("a", { k: "1" }));
    assert.ok(created.metadata?.uid);
    assert.deepEqual((await client.get<ConfigMap>({ ...ref, name: "a" })).data, { k: "1" });

    const missing = await refusal(client.get({ ...ref, name: "nope" }));
    assert.ok(isNotFound(missing));
    assert.equal(missing.reason, "NotFound");
    assert.equal(await client.find({ ...ref, name: "nope" }), undefined);

    const duplicate = await refusal(client.create(ref, cm("a")));
    assert.ok(isAlreadyExists(duplicate), duplicate.message);

    const patched = await client.mergePatch<ConfigMap>({ ...ref, name: "a" }, { data: { k: "2", extra: "x" } });
    assert.deepEqual(patched.data, { k: "2", extra: "x" });

    // Written against the resourceVersion of `created`: someone changed it since.
    const stale = await refusal(client.replace({ ...ref, name: "a" }, { ...created, data: { k: "3" } }));
    assert.ok(isConflict(stale));
    assert.equal(stale.reason, "Conflict");
    const replaced = await client.replace<ConfigMap>({ ...ref, name: "a" }, { ...patched, data: { k: "3" } });
    assert.deepEqual(replaced.data, { k: "3" });

    const invalid = await refusal(client.create(ref, cm("Not_A_Name")));
    assert.ok(isInvalid(invalid));
    assert.equal(invalid.reason, "Invalid");
    assert.ok(invalid.causes.some((c) => c.field === "metadata.name"), JSON.stringify(invalid.causes));

    const wrongUid = await refusal(client.delete({ ...ref, name: "a" }, { preconditions: { uid: "00000000-0000-0000-0000-000000000000" } }));
    assert.ok(isConflict(wrongUid), wrongUid.message);
    assert.equal(await client.delete({ ...ref, name: "a" }, { preconditions: { uid: created.metadata!.uid!, resourceVersion: replaced.metadata!.resourceVersion! } }), undefined);
    assert.equal(await client.find({ ...ref, name: "a" }), undefined);
  });

  it("lists by label and by field, and pages through a collection as one snapshot", async function () {
    const ref = { ...CONFIGMAPS, namespace: namespace() };
    for (let i = 0; i < 5; i++) await client.create(ref, cm(`item-${i}`, {}, { parity: i % 2 === 0 ? "even" : "odd" }));

    const even = await client.list<ConfigMap>(ref, { labelSelector: "parity=even" });
    assert.deepEqual(even.items.map((c) => c.metadata?.name).sort(), ["item-0", "item-2", "item-4"]);
    const one = await client.list<ConfigMap>(ref, { fieldSelector: "metadata.name=item-3" });
    assert.deepEqual(one.items.map((c) => c.metadata?.name), ["item-3"]);

    const page = await client.list<ConfigMap>(ref, { limit: 2, labelSelector: "parity" });
    assert.equal(page.items.length, 2);
    assert.ok(page.metadata.continue, "a first page of 2 out of 5 says how to continue");

    const all = await client.listAll<ConfigMap>(ref, { limit: 2, labelSelector: "parity" });
    assert.equal(all.items.length, 5);
    assert.ok(all.metadata.resourceVersion);
    assert.equal(all.metadata.continue, undefined);

    // A transform sees every item as its page arrives, and the list holds what it returns.
    const pagesSeen: number[] = [];
    const shrunk = await client.listAll<ConfigMap>(ref, {
      limit: 2,
      labelSelector: "parity",
      transform: (c) => {
        pagesSeen.push(all.items.findIndex((a) => a.metadata?.name === c.metadata?.name));
        return { metadata: { name: c.metadata?.name } } as ConfigMap;
      },
    });
    assert.deepEqual(shrunk.items.map((c) => Object.keys(c)), [["metadata"], ["metadata"], ["metadata"], ["metadata"], ["metadata"]]);
    assert.equal(pagesSeen.length, 5);
  });

  it("refuses with 403 what RBAC does not allow", async function () {
    const nobody = new RestClient(loadKubeConfig(await cp().userKubeconfig("nobody")));
    const denied = await refusal(nobody.list({ ...CONFIGMAPS, namespace: namespace() }));
    assert.ok(isForbidden(denied));
    assert.equal(denied.reason, "Forbidden");
    assert.equal(denied.details?.kind, "configmaps");
  });

  it("applies server-side with a field manager: ownership, conflict without force, force", async function () {
    const ref = { ...PROFILES, namespace: namespace(), name: "web" };
    const manifest = (spec: Record<string, unknown>): Profile => ({ apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name: "web" }, spec });

    const created = await client.apply<Profile>(ref, manifest({ ...allowlist, description: "web tier" }), { fieldManager: "gitops" });
    assert.equal(created.metadata?.generation, 1);
    assert.ok(owns(created, "gitops", ["spec", "defaultAction"]));
    assert.ok(owns(created, "gitops", ["spec", "description"]));
    // Fields outside the typed client's models survive the round trip.
    assert.deepEqual(created.spec?.syscalls, allowlist.syscalls);

    const conflict = await refusal(client.apply(ref, manifest({ ...allowlist, defaultAction: "SCMP_ACT_LOG" }), { fieldManager: "debug-tool" }));
    assert.ok(isConflict(conflict));
    assert.equal(conflict.reason, "Conflict");
    assert.ok(
      conflict.causes.some((c) => c.reason === "FieldManagerConflict" && c.field === ".spec.defaultAction"),
      JSON.stringify(conflict.causes),
    );

    const forced = await client.apply<Profile>(ref, manifest({ ...allowlist, defaultAction: "SCMP_ACT_LOG" }), { fieldManager: "debug-tool", force: true });
    assert.equal(forced.spec?.defaultAction, "SCMP_ACT_LOG");
    assert.ok(owns(forced, "debug-tool", ["spec", "defaultAction"]));
    assert.ok(!owns(forced, "gitops", ["spec", "defaultAction"]));

    // gitops no longer lists description: it owned it alone, so it goes.
    const trimmed = await client.apply<Profile>(ref, manifest(allowlist), { fieldManager: "gitops", force: true });
    assert.equal(trimmed.spec?.description, undefined);
  });

  it("applies status through the /status subresource only", async function () {
    const ref = { ...PROFILES, namespace: namespace(), name: "web" };
    await client.apply(ref, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name: "web" }, spec: allowlist }, { fieldManager: "gitops" });
    const status = {
      observedGeneration: 1,
      conditions: [
        { type: "Ready", status: "False", reason: "Installing", message: "0 of 1 nodes", observedGeneration: 1, lastTransitionTime: "2025-01-01T00:00:00Z" },
      ],
    };
    const body = { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name: "web" }, status };

    // Through the main resource, status is ignored.
    const ignored = await client.apply<Profile>(ref, body, { fieldManager: "operator", force: true });
    assert.equal(ignored.status, undefined);

    const written = await client.apply<Profile>({ ...ref, subresource: "status" }, body, { fieldManager: "operator", force: true });
    assert.equal(written.status?.observedGeneration, 1);
    assert.deepEqual(written.spec, allowlist, "spec untouched");
    assert.equal(written.metadata?.generation, 1, "a status write is no new generation");
    assert.ok(owns(written, "operator", ["status", "observedGeneration"], "status"));

    const bad = structuredClone(body);
    bad.status.conditions[0]!.status = "Maybe";
    const invalid = await refusal(client.apply({ ...ref, subresource: "status" }, bad, { fieldManager: "operator", force: true }));
    assert.ok(isInvalid(invalid));
    assert.ok(invalid.causes.some((c) => c.field === "status.conditions[0].status"), JSON.stringify(invalid.causes));
  });

  it("watches a collection from a resourceVersion and stops on abort", async function () {
    const ref = { ...CONFIGMAPS, namespace: namespace() };
    const start = await client.list(ref);
    const abort = new AbortController();
    const events: Array<WatchEvent<ConfigMap>> = [];
    const watching = (async () => {
      for await (const event of client.watch<ConfigMap>(ref, { resourceVersion: start.metadata.resourceVersion, signal: abort.signal })) {
        events.push(event);
        if (event.type === "DELETED") abort.abort();
      }
    })();
    await client.create(ref, cm("w", { v: "1" }));
    await client.mergePatch({ ...ref, name: "w" }, { data: { v: "2" } });
    await client.delete({ ...ref, name: "w" });
    await watching; // ends without an error once aborted
    assert.deepEqual(
      events.map((e) => [e.type, e.object.data?.v]),
      [["ADDED", "1"], ["MODIFIED", "2"], ["DELETED", "2"]],
    );
  });
  it("lets go of a finished request at once, not when its time limit would have passed", async function () {
    this.timeout(60_000);
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const ref = { ...CONFIGMAPS, namespace: namespace(), name: "large" };
    const body = (i: number) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "large" }, data: { v: `${i % 10}`.repeat(256 * 1024) } });
    await client.apply(ref, body(0), { fieldManager: "retention-test" });
    gc();
    const before = process.memoryUsage().heapUsed;
    // 100 writes of 256 KiB, well within the 30 s limit: each one's body must be garbage once answered.
    for (let i = 1; i <= 100; i++) await client.apply(ref, body(i), { fieldManager: "retention-test", force: true });
    gc();
    const retainedMiB = (process.memoryUsage().heapUsed - before) / 1048576;
    assert.ok(retainedMiB < 8, `${retainedMiB.toFixed(1)} MiB still held after the requests ended`);
  });
});
