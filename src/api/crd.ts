import { z } from "zod";
import { stringify } from "yaml";
import { NodeReportSchema } from "./node-status.js";
import {
  GROUP,
  MAX_PROFILE_NAME_LENGTH,
  NODE_STATUS_KIND,
  NODE_STATUS_PLURAL,
  NODE_STATUS_SHORT_NAMES,
  NODE_STATUS_SINGULAR,
  PROFILE_KIND,
  PROFILE_PLURAL,
  PROFILE_SHORT_NAMES,
  PROFILE_SINGULAR,
  MAX_RECORDING_NAME_LENGTH,
  RECORDING_KIND,
  RECORDING_PLURAL,
  RECORDING_REPORT_KIND,
  RECORDING_REPORT_PLURAL,
  RECORDING_REPORT_SHORT_NAMES,
  RECORDING_REPORT_SINGULAR,
  RECORDING_SHORT_NAMES,
  RECORDING_SINGULAR,
  REVISION_KIND,
  REVISION_PLURAL,
  REVISION_SHORT_NAMES,
  REVISION_SINGULAR,
  VERSION,
} from "./names.js";
import { RecordingSpecSchema, RecordingStatusSchema } from "./profile-recording.js";
import { RevisionSpecSchema } from "./profile-revision.js";
import { RecordingReportSpecSchema } from "./recording-report.js";
import { ProfileSpecSchema } from "./profile-spec.js";
import { ProfileStatusSchema } from "./profile-status.js";

type JsonSchema = { [key: string]: unknown };

/** Keys a structural schema may carry; anything else zod emits is a bug in this generator. */
const ALLOWED_KEYS = new Set([
  "type",
  "format",
  "description",
  "properties",
  "items",
  "required",
  "enum",
  "pattern",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "additionalProperties",
  "default",
  "x-kubernetes-validations",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-preserve-unknown-fields",
]);

/**
 * Turns zod's JSON Schema into a structural OpenAPI v3 schema the API server accepts: no `$ref`,
 * no `additionalProperties: false`, every node typed, and JavaScript's safe-integer bounds
 * dropped where zod added them only because of the number type.
 */
export function toStructural(node: JsonSchema, path = ""): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema" || key === "id") continue;
    if (key === "additionalProperties" && value === false) continue;
    if ((key === "minimum" && value === Number.MIN_SAFE_INTEGER) || (key === "maximum" && value === Number.MAX_SAFE_INTEGER)) continue;
    if (!ALLOWED_KEYS.has(key)) throw new Error(`${path || "<root>"}: the CRD schema cannot carry "${key}"`);
    if (key === "properties") {
      const props: JsonSchema = {};
      for (const [name, child] of Object.entries(value as JsonSchema)) {
        props[name] = toStructural(child as JsonSchema, `${path}.${name}`);
      }
      out[key] = props;
    } else if (key === "items" || (key === "additionalProperties" && typeof value === "object")) {
      out[key] = toStructural(value as JsonSchema, `${path}[]`);
    } else {
      out[key] = value;
    }
  }
  if (typeof out.type !== "string") throw new Error(`${path || "<root>"}: every node of a structural schema needs a type`);
  if (out.type === "integer" && out.format === undefined) out.format = "int64";
  return out;
}

/** Every field a user can set or read must explain itself in `kubectl explain`. */
function assertDescribed(node: JsonSchema, path: string): void {
  const props = node.properties as Record<string, JsonSchema> | undefined;
  for (const [name, child] of Object.entries(props ?? {})) {
    if (path === "" && name === "metadata") continue;
    const childPath = `${path}.${name}`;
    if (typeof child.description !== "string" || child.description.length === 0) {
      throw new Error(`${childPath}: missing description`);
    }
    assertDescribed(child, childPath);
    const items = child.items as JsonSchema | undefined;
    if (items?.type === "object") assertDescribed(items, `${childPath}[]`);
  }
}

function schemaOf(schema: z.ZodType): JsonSchema {
  return toStructural(z.toJSONSchema(schema, { target: "openapi-3.0", io: "input" }) as JsonSchema);
}

function rootSchema(description: string, properties: Record<string, JsonSchema>, required: string[], validations: JsonSchema[] = []): JsonSchema {
  const root: JsonSchema = {
    type: "object",
    description,
    properties: {
      apiVersion: { type: "string", description: "Versioned schema of this object: seccomp.operator.dev/v1alpha1." },
      kind: { type: "string", description: "The kind of this object." },
      // The API server refuses anything but a bare type here.
      metadata: { type: "object" },
      ...properties,
    },
  };
  // An empty list is dropped by the API server, and the stored CRD would never match the file.
  if (required.length > 0) root.required = required;
  if (validations.length > 0) root["x-kubernetes-validations"] = validations;
  assertDescribed(root, "");
  return root;
}

/** Rules that need metadata, which only the root schema can see. */
const PROFILE_ROOT_VALIDATIONS: JsonSchema[] = [
  {
    rule: `size(self.metadata.name) <= ${MAX_PROFILE_NAME_LENGTH}`,
    message: `metadata.name must be at most ${MAX_PROFILE_NAME_LENGTH} characters: the node file is <name>.json, and file names stop at 255 bytes`,
  },
  {
    rule: "!self.metadata.name.endsWith('.json')",
    message: "metadata.name must not end in .json: <name>/ holds the pinned files of the profile and would collide with the stable file of another",
  },
  {
    rule: "!has(self.spec.baseProfileName) || self.spec.baseProfileName != self.metadata.name",
    message: "a profile cannot be its own base",
    fieldPath: ".spec.baseProfileName",
  },
];

interface CrdDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  scope: "Namespaced" | "Cluster";
  /** With a status subresource. */
  status: boolean;
  printerColumns: JsonSchema[];
  schema: JsonSchema;
}

/** One served and stored version, in the seccomp category: what every CRD of the API has in common. */
function crdOf(d: CrdDefinition): JsonSchema {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${d.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: { kind: d.kind, listKind: `${d.kind}List`, plural: d.plural, singular: d.singular, shortNames: [...d.shortNames], categories: ["seccomp"] },
      scope: d.scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          ...(d.status ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: d.printerColumns,
          schema: { openAPIV3Schema: d.schema },
        },
      ],
    },
  };
}

const AGE = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };

export function buildProfileCrd(): JsonSchema {
  return crdOf({
    kind: PROFILE_KIND,
    plural: PROFILE_PLURAL,
    singular: PROFILE_SINGULAR,
    shortNames: PROFILE_SHORT_NAMES,
    scope: "Namespaced",
    status: true,
    printerColumns: [
      { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].reason', description: "Why the profile is or is not ready." },
      { name: "Nodes", type: "string", jsonPath: ".status.nodes.summary", description: "Nodes with the current hash installed / live nodes." },
      { name: "Hash", type: "string", jsonPath: ".status.hash", description: "sha256 of the rendered profile." },
      { name: "Default", type: "string", jsonPath: ".spec.defaultAction", priority: 1, description: "The default action." },
      { name: "Base", type: "string", jsonPath: ".spec.baseProfileName", priority: 1, description: "The base profile." },
      AGE,
    ],
    schema: rootSchema(
      "SeccompProfile is a seccomp profile that the operator installs on every node and applies to the workloads that reference it.",
      { spec: schemaOf(ProfileSpecSchema), status: schemaOf(ProfileStatusSchema) },
      ["spec"],
      PROFILE_ROOT_VALIDATIONS,
    ),
  });
}

export function buildNodeStatusCrd(): JsonSchema {
  return crdOf({
    kind: NODE_STATUS_KIND,
    plural: NODE_STATUS_PLURAL,
    singular: NODE_STATUS_SINGULAR,
    shortNames: NODE_STATUS_SHORT_NAMES,
    scope: "Cluster",
    status: false,
    printerColumns: [
      { name: "Agent", type: "string", jsonPath: ".status.agentVersion", description: "Agent version." },
      { name: "Heartbeat", type: "date", jsonPath: ".status.heartbeatTime", description: "Last report." },
      AGE,
    ],
    schema: rootSchema(
      "SeccompNodeStatus reports what the node agent of one node (the object's name) has installed. Only that agent writes it.",
      { status: schemaOf(NodeReportSchema) },
      [],
    ),
  });
}

export function buildRevisionCrd(): JsonSchema {
  return crdOf({
    kind: REVISION_KIND,
    plural: REVISION_PLURAL,
    singular: REVISION_SINGULAR,
    shortNames: REVISION_SHORT_NAMES,
    scope: "Namespaced",
    status: false,
    printerColumns: [AGE],
    schema: rootSchema(
      "SeccompProfileRevision keeps one rendered version of a namespace's profiles, named by its sha256, so that nodes can install hashes that workloads still pin. Written by the controller.",
      { spec: schemaOf(RevisionSpecSchema) },
      ["spec"],
      [
        { rule: "self.metadata.name == self.spec.hash", message: "metadata.name must be spec.hash" },
        { rule: "self.spec == oldSelf.spec", message: "a revision never changes" },
      ],
    ),
  });
}

export function buildRecordingCrd(): JsonSchema {
  return crdOf({
    kind: RECORDING_KIND,
    plural: RECORDING_PLURAL,
    singular: RECORDING_SINGULAR,
    shortNames: RECORDING_SHORT_NAMES,
    scope: "Namespaced",
    status: true,
    printerColumns: [
      { name: "Recording", type: "string", jsonPath: '.status.conditions[?(@.type=="Recording")].reason', description: "Why the containers do or do not run under their audit profiles." },
      { name: "Completed", type: "string", jsonPath: '.status.conditions[?(@.type=="Completed")].status', description: "Whether the results are written." },
      { name: "Recorded", type: "string", jsonPath: ".status.summary", description: "Containers and distinct syscalls recorded so far." },
      { name: "Workload", type: "string", jsonPath: ".spec.workloadRef.name", priority: 1, description: "The workload recorded." },
      { name: "Duration", type: "string", jsonPath: ".spec.duration", priority: 1, description: "How long it records." },
      AGE,
    ],
    schema: rootSchema(
      "SeccompProfileRecording records what the selected containers call, under an audit-mode profile, and writes one SeccompProfile per container that allows exactly that.",
      { spec: schemaOf(RecordingSpecSchema), status: schemaOf(RecordingStatusSchema) },
      ["spec"],
      [
        {
          rule: `size(self.metadata.name) <= ${MAX_RECORDING_NAME_LENGTH}`,
          message: `metadata.name must be at most ${MAX_RECORDING_NAME_LENGTH} characters: the profiles it writes are named <recording>-<container>`,
        },
        { rule: "!has(oldSelf.spec.workloadRef) || self.spec.workloadRef == oldSelf.spec.workloadRef", message: "spec.workloadRef cannot change: start another recording", fieldPath: ".spec.workloadRef" },
        { rule: "!has(oldSelf.spec.stop) || !oldSelf.spec.stop || self.spec.stop", message: "a stopped recording cannot start again: start another recording", fieldPath: ".spec.stop" },
      ],
    ),
  });
}

export function buildRecordingReportCrd(): JsonSchema {
  return crdOf({
    kind: RECORDING_REPORT_KIND,
    plural: RECORDING_REPORT_PLURAL,
    singular: RECORDING_REPORT_SINGULAR,
    shortNames: RECORDING_REPORT_SHORT_NAMES,
    scope: "Namespaced",
    status: false,
    printerColumns: [
      { name: "Recording", type: "string", jsonPath: ".spec.recording", description: "The recording reported on." },
      { name: "Node", type: "string", jsonPath: ".spec.nodeName", description: "The node whose recorder wrote it." },
      { name: "Unattributed", type: "integer", jsonPath: ".spec.unattributed", description: "Records that could not be tied to a container." },
      { name: "Updated", type: "date", jsonPath: ".spec.updateTime", description: "Last write." },
    ],
    schema: rootSchema(
      "SeccompRecordingReport holds what one node's recorder saw for one SeccompProfileRecording. Only that node's recorder writes it; the controller merges them.",
      { spec: schemaOf(RecordingReportSpecSchema) },
      ["spec"],
    ),
  });
}

/** The CRD files as they are committed in crds/: file name to YAML text. */
export function renderCrdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const crd of [buildProfileCrd(), buildNodeStatusCrd(), buildRevisionCrd(), buildRecordingCrd(), buildRecordingReportCrd()]) {
    const spec = crd.spec as { group: string; names: { plural: string } };
    const header = "# Generated from the zod schemas in src/api by `npm run generate`. Do not edit.\n";
    files.set(`${spec.group}_${spec.names.plural}.yaml`, header + stringify(crd, { lineWidth: 0 }));
  }
  return files;
}
