// How the API server treats SeccompProfile objects, which the controller and
// the agents rely on: server-side apply with field ownership, the status
// subresource, generations, finalizers, list-then-watch, printer columns.
import assert from "node:assert/strict";
import {
  CustomObjectsApi,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type KubeConfig,
  type V1ManagedFieldsEntry,
} from "@kubernetes/client-node";
import { API_VERSION, FINALIZER, GROUP, PROFILE_KIND, PROFILE_PLURAL, VERSION } from "../../src/api/names.js";
import { isNotFound, rejection } from "../harness/api-errors.js";
import { installCrds } from "../harness/crds.js";
import { eventually } from "../harness/eventually.js";
import { useNamespace } from "../harness/namespaces.js";
import { apiGet, TABLE_ACCEPT } from "../harness/raw-api.js";
import { useControlPlane } from "../harness/shared.js";

interface Profile {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    generation?: number;
    resourceVersion?: string;
    finalizers?: string[];
    deletionTimestamp?: string;
    managedFields?: V1ManagedFieldsEntry[];
  };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

const applyOptions = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);
const mergePatchOptions = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

function manifest(name: string, spec: Record<string, unknown>): Profile {
  return { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name }, spec };
}

const allowlist = { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read", "write"], action: "SCMP_ACT_ALLOW" }] };

function readyStatus(generation: number) {
  return {
    observedGeneration: generation,
    hash: "a".repeat(64),
    nodes: { installed: 2, total: 3, summary: "2/3" },
    conditions: [
      {
        type: "Ready",
        status: "False",
        reason: "Installing",
        message: "installed on 2 of 3 nodes",
        observedGeneration: generation,
        lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      },
    ],
  };
}

/** The fields a manager owns, as the dotted paths of its fieldsV1 set. */
function ownedFields(obj: Profile, manager: string, subresource = ""): string[] {
  const entry = obj.metadata.managedFields?.find((m) => m.manager === manager && (m.subresource ?? "") === subresource);
  const paths: string[] = [];
  const walk = (node: unknown, prefix: string) => {
    if (!node || typeof node !== "object") return;
    for (const [key, child] of Object.entries(node)) {
      if (key === ".") continue;
      const path = prefix + (key.startsWith("f:") ? `.${key.slice(2)}` : `[${key}]`);
      paths.push(path);
      walk(child, path);
    }
  };
  walk(entry?.fieldsV1, "");
  return paths;
}

describe("SeccompProfile API behaviour", function () {
  const cp = useControlPlane();
  const namespace = useNamespace(cp);
  let kc: KubeConfig;
  let api: CustomObjectsApi;

  before(async function () {
    this.timeout(60_000);
    kc = cp().kubeConfig();
    await installCrds(kc);
    api = kc.makeApiClient(CustomObjectsApi);
  });

  const ref = (name: string) => ({ group: GROUP, version: VERSION, namespace: namespace(), plural: PROFILE_PLURAL, name });
  const apply = (body: Profile, fieldManager: string, force = false) =>
    api.patchNamespacedCustomObject({ ...ref(body.metadata.name), body, fieldManager, force }, applyOptions) as Promise<Profile>;
  const applyStatus = (body: Omit<Profile, "spec">, fieldManager: string) =>
    api.patchNamespacedCustomObjectStatus({ ...ref(body.metadata.name), body, fieldManager, force: true }, applyOptions) as Promise<Profile>;
  const get = (name: string) => api.getNamespacedCustomObject(ref(name)) as Promise<Profile>;

  describe("server-side apply", function () {
    it("creates the object, records the field manager, and is a no-op when repeated", async function () {
      const created = await apply(manifest("web", { ...allowlist, description: "web tier" }), "gitops");
      assert.equal(created.metadata.generation, 1);
      assert.ok(ownedFields(created, "gitops").includes(".spec.defaultAction"));
      assert.ok(ownedFields(created, "gitops").includes(".spec.description"));

      const again = await apply(manifest("web", { ...allowlist, description: "web tier" }), "gitops");
      assert.equal(again.metadata.resourceVersion, created.metadata.resourceVersion);
      assert.equal(again.metadata.generation, 1);
    });

    it("reports a conflict when another manager changes an owned field, and transfers ownership on force", async function () {
      await apply(manifest("web", allowlist), "gitops");
      const conflict = await rejection(apply(manifest("web", { ...allowlist, defaultAction: "SCMP_ACT_LOG" }), "debug-tool"));
      assert.equal(conflict.code, 409, conflict.status.message);
      assert.equal(conflict.status.reason, "Conflict");
      assert.match(conflict.status.message ?? "", /conflict with "gitops".*\.spec\.defaultAction/s);
      assert.equal((await get("web")).spec.defaultAction, "SCMP_ACT_ERRNO");

      const forced = await apply(manifest("web", { ...allowlist, defaultAction: "SCMP_ACT_LOG" }), "debug-tool", true);
      assert.equal(forced.spec.defaultAction, "SCMP_ACT_LOG");
      assert.equal(forced.metadata.generation, 2);
      assert.ok(ownedFields(forced, "debug-tool").includes(".spec.defaultAction"));
      assert.ok(!ownedFields(forced, "gitops").includes(".spec.defaultAction"));
    });

    it("removes a field its manager stops applying, and keeps fields of other managers", async function () {
      await apply(manifest("web", { ...allowlist, description: "web tier" }), "gitops");
      await apply(manifest("web", { ...allowlist, flags: ["SECCOMP_FILTER_FLAG_LOG"] }), "auditing", true);
      const after = await apply(manifest("web", allowlist), "gitops");
      assert.equal(after.spec.description, undefined);
      assert.deepEqual(after.spec.flags, ["SECCOMP_FILTER_FLAG_LOG"]);
    });

    it("unites the items two managers apply to a set-typed list (architectures)", async function () {
      await apply(manifest("web", { defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"] }), "gitops");
      const merged = await apply(manifest("web", { defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_AARCH64"] }), "arm-team");
      assert.deepEqual([...(merged.spec.architectures as string[])].sort(), ["SCMP_ARCH_AARCH64", "SCMP_ARCH_X86_64"]);
    });
  });

  describe("status subresource", function () {
    it("ignores status written through the main resource", async function () {
      const created = (await api.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: namespace(),
        plural: PROFILE_PLURAL,
        body: { ...manifest("web", allowlist), status: readyStatus(1) },
      })) as Profile;
      assert.equal(created.status, undefined);
    });

    it("writes status without touching spec or generation, and keeps it across spec changes", async function () {
      await apply(manifest("web", allowlist), "gitops");
      const withStatus = await applyStatus(
        { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name: "web" }, status: readyStatus(1) },
        "seccomp-operator",
      );
      assert.equal(withStatus.metadata.generation, 1);
      assert.deepEqual(withStatus.spec, allowlist);
      assert.equal(withStatus.status?.observedGeneration, 1);
      assert.ok(ownedFields(withStatus, "seccomp-operator", "status").includes(".status.observedGeneration"));

      const changed = await apply(manifest("web", { ...allowlist, defaultAction: "SCMP_ACT_KILL_PROCESS" }), "gitops");
      assert.equal(changed.metadata.generation, 2);
      assert.equal(changed.status?.observedGeneration, 1, "status survives; a controller sees it is stale");
    });

    it("ignores spec written through the status subresource", async function () {
      await apply(manifest("web", allowlist), "gitops");
      const patched = (await api.patchNamespacedCustomObjectStatus(
        { ...ref("web"), body: { spec: { defaultAction: "SCMP_ACT_ALLOW" }, status: { observedGeneration: 1 } } },
        mergePatchOptions,
      )) as Profile;
      assert.equal(patched.spec.defaultAction, "SCMP_ACT_ERRNO");
      assert.equal(patched.status?.observedGeneration, 1);
    });

    it("validates status against the schema", async function () {
      await apply(manifest("web", allowlist), "gitops");
      const status = readyStatus(1);
      status.conditions[0]!.status = "Maybe";
      const { code, status: answer } = await rejection(
        applyStatus({ apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name: "web" }, status }, "seccomp-operator"),
      );
      assert.equal(code, 422, answer.message);
      assert.match(answer.message ?? "", /status\.conditions\[0\]\.status: Unsupported value/);
    });
  });

  describe("finalizers", function () {
    it("keep a deleted profile until the finalizer is removed", async function () {
      await apply({ ...manifest("web", allowlist), metadata: { name: "web", finalizers: [FINALIZER] } }, "seccomp-operator");
      await api.deleteNamespacedCustomObject(ref("web"));

      const terminating = await get("web");
      assert.ok(terminating.metadata.deletionTimestamp, "deletionTimestamp is set");
      assert.deepEqual(terminating.metadata.finalizers, [FINALIZER]);
      // A terminating object takes no new finalizers but accepts other updates.
      const rejected = await rejection(
        api.patchNamespacedCustomObject({ ...ref("web"), body: { metadata: { finalizers: [FINALIZER, "example.com/other"] } } }, mergePatchOptions),
      );
      assert.equal(rejected.code, 422, rejected.status.message);

      await api.patchNamespacedCustomObject(
        { ...ref("web"), body: { metadata: { finalizers: null, resourceVersion: terminating.metadata.resourceVersion } } },
        mergePatchOptions,
      );
      await eventually(async () => {
        const err = await get("web").then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(isNotFound(err), "the profile is gone");
      });
    });
  });

  describe("list and watch", function () {
    it("delivers every change after the listed resourceVersion, in order", async function () {
      await apply(manifest("before-list", allowlist), "gitops");
      const list = (await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: namespace(), plural: PROFILE_PLURAL })) as {
        metadata: { resourceVersion: string };
        items: Profile[];
      };
      assert.deepEqual(list.items.map((p) => p.metadata.name), ["before-list"]);

      const events: string[] = [];
      let watchError: unknown;
      const controller = await new Watch(kc).watch(
        `/apis/${GROUP}/${VERSION}/namespaces/${namespace()}/${PROFILE_PLURAL}`,
        { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true },
        (phase, obj: Profile) => {
          if (phase !== "BOOKMARK") events.push(`${phase} ${obj.metadata.name} ${String(obj.spec.defaultAction)}`);
        },
        (err) => (watchError = err),
      );
      try {
        await apply(manifest("watched", allowlist), "gitops");
        await apply(manifest("watched", { ...allowlist, defaultAction: "SCMP_ACT_LOG" }), "gitops");
        await api.deleteNamespacedCustomObject(ref("watched"));
        await eventually(() =>
          assert.deepEqual(events, [
            "ADDED watched SCMP_ACT_ERRNO",
            "MODIFIED watched SCMP_ACT_LOG",
            "DELETED watched SCMP_ACT_LOG",
          ]),
        { timeoutMs: 10_000 });
      } finally {
        controller.abort();
      }
      assert.ok(!watchError || (watchError as Error).name === "AbortError", String(watchError));
    });

    it("answers a watch from a compacted resourceVersion with 410 Gone, which makes informers relist", async function () {
      let watchError: unknown;
      let events = 0;
      const done = new Promise<void>((resolve) => {
        void new Watch(kc).watch(
          `/apis/${GROUP}/${VERSION}/namespaces/${namespace()}/${PROFILE_PLURAL}`,
          { resourceVersion: "1" },
          (phase, obj: { code?: number }) => {
            events++;
            if (phase === "ERROR") watchError = obj;
          },
          (err) => {
            watchError ??= err;
            resolve();
          },
        );
      });
      await done;
      assert.ok(events <= 1);
      assert.equal((watchError as { code?: number } | undefined)?.code, 410, JSON.stringify(watchError));
    });
  });

  describe("printer columns", function () {
    it("show status, nodes and hash in kubectl get", async function () {
      await apply(manifest("web", allowlist), "gitops");
      await applyStatus({ apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name: "web" }, status: readyStatus(1) }, "seccomp-operator");
      const res = await apiGet(cp().kubeConfig(), `/apis/${GROUP}/${VERSION}/namespaces/${namespace()}/${PROFILE_PLURAL}`, TABLE_ACCEPT);
      assert.equal(res.status, 200, res.text);
      const table = res.body as { columnDefinitions: Array<{ name: string; priority: number }>; rows: Array<{ cells: unknown[] }> };
      const columns = table.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name);
      for (const name of ["Name", "Status", "Nodes", "Hash", "Age"]) assert.ok(columns.includes(name), `column ${name} in ${columns.join(",")}`);
      const cells = table.rows[0]!.cells;
      const cell = (name: string) => cells[table.columnDefinitions.findIndex((c) => c.name === name)];
      assert.equal(cell("Name"), "web");
      assert.equal(cell("Status"), "Installing");
      assert.equal(cell("Nodes"), "2/3");
      assert.equal(cell("Hash"), "a".repeat(64));
    });
  });
});
