import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { ApiError, isAlreadyExists, isConflict, isGone, isNotFound } from "../../src/kube/api-error.js";
import { Backoff } from "../../src/kube/backoff.js";
import { readLines } from "../../src/kube/json-lines.js";
import { objectKey, splitKey } from "../../src/kube/objects.js";
import { apiVersionOf, queryString, resourcePath } from "../../src/kube/resource.js";

describe("kube REST building blocks", () => {
  it("builds paths for the core group, other groups, namespaces, names and subresources", () => {
    assert.equal(resourcePath({ group: "", version: "v1", plural: "pods" }), "/api/v1/pods");
    assert.equal(resourcePath({ group: "", version: "v1", plural: "configmaps", namespace: "a", name: "b" }), "/api/v1/namespaces/a/configmaps/b");
    assert.equal(
      resourcePath({ group: "seccomp.operator.dev", version: "v1alpha1", plural: "seccompprofiles", namespace: "ns", name: "p", subresource: "status" }),
      "/apis/seccomp.operator.dev/v1alpha1/namespaces/ns/seccompprofiles/p/status",
    );
    assert.equal(resourcePath({ group: "coordination.k8s.io", version: "v1", plural: "leases", name: "x y" }), "/apis/coordination.k8s.io/v1/leases/x%20y");
    assert.throws(() => resourcePath({ group: "", version: "v1", plural: "pods", subresource: "status" }), /needs a name/);
    assert.throws(() => resourcePath({ group: "", version: "v1", plural: "pods", name: "" }), /empty name/);
    assert.equal(apiVersionOf({ group: "", version: "v1", plural: "pods" }), "v1");
    assert.equal(apiVersionOf({ group: "apps", version: "v1", plural: "deployments" }), "apps/v1");
  });

  it("builds query strings from the defined values only", () => {
    assert.equal(queryString({}), "");
    assert.equal(queryString({ a: undefined, b: "" }), "");
    assert.equal(queryString({ fieldSelector: "spec.nodeName=node-1", limit: 5, watch: true }), "?fieldSelector=spec.nodeName%3Dnode-1&limit=5&watch=true");
  });

  it("keys objects as namespace/name, or name when cluster-scoped", () => {
    assert.equal(objectKey({ metadata: { namespace: "ns", name: "a" } }), "ns/a");
    assert.equal(objectKey({ metadata: { name: "node-1" } }), "node-1");
    assert.deepEqual(splitKey("ns/a"), { namespace: "ns", name: "a" });
    assert.deepEqual(splitKey("node-1"), { name: "node-1" });
  });

  it("splits a stream into lines wherever the chunks break", async () => {
    const chunks = ['{"type":"ADD', 'ED"}\n{"type":"MOD', 'IFIED"}\n\n', '{"type":"DELETED"}'];
    const lines: string[] = [];
    for await (const line of readLines(Readable.from(chunks.map((c) => Buffer.from(c))))) lines.push(line);
    assert.deepEqual(lines, ['{"type":"ADDED"}', '{"type":"MODIFIED"}', '{"type":"DELETED"}']);
  });

  it("carries the API server's Status in ApiError", () => {
    const status = {
      kind: "Status",
      status: "Failure",
      reason: "Invalid",
      message: 'ConfigMap "X" is invalid',
      details: { name: "X", kind: "ConfigMap", causes: [{ reason: "FieldValueInvalid", field: "metadata.name", message: "bad" }] },
      code: 422,
    };
    const err = ApiError.fromResponse(422, JSON.stringify(status), "POST /api/v1/namespaces/a/configmaps");
    assert.equal(err.code, 422);
    assert.equal(err.reason, "Invalid");
    assert.deepEqual(err.causes, status.details.causes);
    assert.match(err.message, /^POST \/api\/v1\/namespaces\/a\/configmaps: 422 Invalid: ConfigMap "X" is invalid$/);

    const proxy = ApiError.fromResponse(502, "<html>bad gateway</html>", "GET /api/v1/pods");
    assert.equal(proxy.code, 502);
    assert.equal(proxy.status.message, "<html>bad gateway</html>");
    assert.deepEqual(proxy.causes, []);

    const exists = new ApiError(409, { reason: "AlreadyExists" }, "POST x");
    const conflict = new ApiError(409, { reason: "Conflict" }, "PUT x");
    assert.ok(isConflict(exists) && isAlreadyExists(exists));
    assert.ok(isConflict(conflict) && !isAlreadyExists(conflict));
    assert.ok(isGone(new ApiError(410, { reason: "Expired" }, "GET x")));
    assert.ok(!isNotFound(new Error("404")));
  });

  it("backs off exponentially with bounded jitter, and resets", () => {
    const exact = new Backoff({ initialMs: 200, maxMs: 1000 });
    assert.deepEqual([exact.next(), exact.next(), exact.next(), exact.next()], [200, 400, 800, 1000]);
    exact.reset();
    assert.equal(exact.next(), 200);
    const jittered = new Backoff({ initialMs: 1000, maxMs: 30_000, jitter: 0.2 }, () => 1);
    assert.equal(jittered.next(), 800);
  });
});
