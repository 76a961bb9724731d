// What the operator's field manager owns in a workload, read from
// metadata.managedFields. The apply body is the manager's whole intent, so
// knowing what it owns tells whether applying again would change anything
// and which values to re-apply to keep them.
import { FIELD_MANAGER } from "../../api/names.js";
import type { KubeObject } from "../../kube/objects.js";
import { WORKLOADS, type ContainerList, type WorkloadKind } from "./workload-kinds.js";

export interface OwnedSeccompProfile {
  list: ContainerList;
  container: string;
  /** The owned leaves of securityContext.seccompProfile: "type", "localhostProfile". */
  fields: string[];
}

export interface OwnedFields {
  profiles: OwnedSeccompProfile[];
  /** The manager owns something besides seccompProfile fields and container keys; an apply sheds it. */
  other: boolean;
}

type FieldSet = Record<string, unknown>;

/** The fields `manager` owns through server-side apply on the object itself (not a subresource). */
export function ownedFields(kind: WorkloadKind, workload: KubeObject, manager: string = FIELD_MANAGER): OwnedFields {
  const owned: OwnedFields = { profiles: [], other: false };
  for (const entry of workload.metadata?.managedFields ?? []) {
    if (entry.manager !== manager || entry.operation !== "Apply" || entry.subresource) continue;
    const fields = entry.fieldsV1;
    if (isFieldSet(fields)) collect(fields, [...WORKLOADS[kind].templatePath, "spec"], owned);
  }
  return owned;
}

function collect(set: FieldSet, path: string[], owned: OwnedFields): void {
  const [head, ...rest] = path;
  for (const [key, child] of Object.entries(set)) {
    if (key === ".") continue;
    if (head !== undefined) {
      if (key === `f:${head}` && isFieldSet(child)) collect(child, rest, owned);
      else owned.other = true;
      continue;
    }
    const list = key === "f:containers" ? "containers" : key === "f:initContainers" ? "initContainers" : undefined;
    if (list === undefined || !isFieldSet(child)) {
      owned.other = true;
      continue;
    }
    for (const [itemKey, item] of Object.entries(child)) {
      if (itemKey === ".") continue;
      const container = nameOfItem(itemKey);
      if (container === undefined || !isFieldSet(item)) {
        owned.other = true;
        continue;
      }
      const fields = seccompLeaves(item, owned);
      // Owning only a container's key still makes an apply without it a change.
      if (fields.length > 0) owned.profiles.push({ list, container, fields });
      else owned.other = true;
    }
  }
}

/** `k:{"name":"web"}` -> "web". */
function nameOfItem(key: string): string | undefined {
  if (!key.startsWith("k:")) return undefined;
  try {
    const parsed = JSON.parse(key.slice(2)) as unknown;
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const entries = Object.entries(parsed);
    return entries.length === 1 && entries[0]![0] === "name" && typeof entries[0]![1] === "string" ? entries[0]![1] : undefined;
  } catch {
    return undefined;
  }
}

function seccompLeaves(item: FieldSet, owned: OwnedFields): string[] {
  const leaves: string[] = [];
  for (const [key, child] of Object.entries(item)) {
    if (key === "." || key === "f:name") continue;
    if (key !== "f:securityContext" || !isFieldSet(child)) {
      owned.other = true;
      continue;
    }
    for (const [scKey, scChild] of Object.entries(child)) {
      if (scKey === ".") continue;
      if (scKey !== "f:seccompProfile" || !isFieldSet(scChild)) {
        owned.other = true;
        continue;
      }
      for (const leaf of Object.keys(scChild)) {
        if (leaf === ".") continue;
        if (leaf === "f:type" || leaf === "f:localhostProfile") leaves.push(leaf.slice(2));
        else owned.other = true;
      }
    }
  }
  return leaves.sort();
}

function isFieldSet(value: unknown): value is FieldSet {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
