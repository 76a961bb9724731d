// admission.k8s.io/v1 AdmissionReview, as far as a mutating webhook needs it: the request read
// and checked, and the response with an optional JSON patch and warnings.
import type { KubeObject } from "./objects.js";

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  operation: "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
  namespace?: string;
  name?: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  dryRun?: boolean;
}

export interface JsonPatchOperation {
  op: "add" | "replace" | "remove";
  path: string;
  value?: unknown;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: "JSONPatch";
  /** base64 of the JSON patch. */
  patch?: string;
  /** Shown to the client (kubectl prints them); each at most 256 characters here. */
  warnings?: string[];
  status?: { code: number; message: string };
}

const OPERATIONS = new Set(["CREATE", "UPDATE", "DELETE", "CONNECT"]);
const MAX_WARNING_LENGTH = 256;

/** The request of a review, or an error naming the field that is wrong. */
export function parseAdmissionReview(body: unknown): { ok: true; request: AdmissionRequest } | { ok: false; error: string } {
  if (!isRecord(body)) return { ok: false, error: "the body is not a JSON object" };
  if (body.apiVersion !== "admission.k8s.io/v1" || body.kind !== "AdmissionReview") {
    return { ok: false, error: `expected apiVersion admission.k8s.io/v1 kind AdmissionReview, got ${String(body.apiVersion)} ${String(body.kind)}` };
  }
  const request = body.request;
  if (!isRecord(request)) return { ok: false, error: "request: missing" };
  if (typeof request.uid !== "string" || request.uid === "") return { ok: false, error: "request.uid: missing" };
  const kind = request.kind;
  if (!isRecord(kind) || typeof kind.group !== "string" || typeof kind.version !== "string" || typeof kind.kind !== "string") {
    return { ok: false, error: "request.kind: must have group, version and kind" };
  }
  if (typeof request.operation !== "string" || !OPERATIONS.has(request.operation)) return { ok: false, error: `request.operation: ${String(request.operation)} is not an admission operation` };
  for (const field of ["object", "oldObject"] as const) {
    const value = request[field];
    if (value !== undefined && value !== null && !isRecord(value)) return { ok: false, error: `request.${field}: not an object` };
  }
  return {
    ok: true,
    request: {
      uid: request.uid,
      kind: { group: kind.group, version: kind.version, kind: kind.kind },
      operation: request.operation as AdmissionRequest["operation"],
      ...(typeof request.namespace === "string" ? { namespace: request.namespace } : {}),
      ...(typeof request.name === "string" ? { name: request.name } : {}),
      ...(isRecord(request.object) ? { object: request.object as KubeObject } : {}),
      ...(isRecord(request.oldObject) ? { oldObject: request.oldObject as KubeObject } : {}),
      ...(request.dryRun === true ? { dryRun: true } : {}),
    },
  };
}

/** Allowed, with `patch` applied to the object when it has operations. */
export function admissionResponse(uid: string, patch: readonly JsonPatchOperation[], warnings: readonly string[] = []): AdmissionResponse {
  const response: AdmissionResponse = { uid, allowed: true };
  if (patch.length > 0) {
    response.patchType = "JSONPatch";
    response.patch = Buffer.from(JSON.stringify(patch)).toString("base64");
  }
  if (warnings.length > 0) response.warnings = warnings.map((w) => (w.length > MAX_WARNING_LENGTH ? `${w.slice(0, MAX_WARNING_LENGTH - 1)}…` : w));
  return response;
}

export function admissionReview(response: AdmissionResponse): KubeObject {
  return { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response };
}

/** A JSON pointer segment (RFC 6901). */
export function pointerSegment(segment: string | number): string {
  return String(segment).replace(/~/g, "~0").replace(/\//g, "~1");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
