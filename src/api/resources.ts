import type { Resource } from "../kube/resource.js";
import { GROUP, NODE_STATUS_PLURAL, PROFILE_PLURAL, RECORDING_PLURAL, RECORDING_REPORT_PLURAL, REVISION_PLURAL, VERSION } from "./names.js";

/** Where the API serves our kinds and the built-in kinds the operator reads. */
export const PROFILE_RESOURCE: Resource = { group: GROUP, version: VERSION, plural: PROFILE_PLURAL };
export const NODE_STATUS_RESOURCE: Resource = { group: GROUP, version: VERSION, plural: NODE_STATUS_PLURAL };
export const REVISION_RESOURCE: Resource = { group: GROUP, version: VERSION, plural: REVISION_PLURAL };
export const POD_RESOURCE: Resource = { group: "", version: "v1", plural: "pods" };
export const NODE_RESOURCE: Resource = { group: "", version: "v1", plural: "nodes" };
export const RECORDING_RESOURCE: Resource = { group: GROUP, version: VERSION, plural: RECORDING_PLURAL };
export const RECORDING_REPORT_RESOURCE: Resource = { group: GROUP, version: VERSION, plural: RECORDING_REPORT_PLURAL };
