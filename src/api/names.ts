/** Names shared by every component: API group, kinds, annotations, labels and finalizers. */

export const GROUP = "seccomp.operator.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

export const PROFILE_KIND = "SeccompProfile";
export const PROFILE_PLURAL = "seccompprofiles";
export const PROFILE_SINGULAR = "seccompprofile";
export const PROFILE_SHORT_NAMES = ["scp"] as const;
/** `<name>.json` must fit in a 255-byte file name on the node. */
export const MAX_PROFILE_NAME_LENGTH = 250;

export const NODE_STATUS_KIND = "SeccompNodeStatus";
export const NODE_STATUS_PLURAL = "seccompnodestatuses";
export const NODE_STATUS_SINGULAR = "seccompnodestatus";
export const NODE_STATUS_SHORT_NAMES = ["scpns"] as const;

export const REVISION_KIND = "SeccompProfileRevision";
export const REVISION_PLURAL = "seccompprofilerevisions";
export const REVISION_SINGULAR = "seccompprofilerevision";
export const REVISION_SHORT_NAMES = ["scprev"] as const;

/** Workload annotation: every container and init container runs under this profile. */
export const PROFILE_ANNOTATION = `${GROUP}/profile`;
/** Workload annotation prefix: `container.seccomp.operator.dev/<container>: <profile>` wins for one container. */
export const CONTAINER_ANNOTATION_PREFIX = `container.${GROUP}/`;

export const FINALIZER = `${GROUP}/in-use`;
export const FIELD_MANAGER = "seccomp-operator";

/** Folder, relative to `<kubelet root>/seccomp`, that the node agent owns. */
export const NODE_PROFILE_ROOT = "operator";

/** Namespace of the admin-owned catalogue of shared profiles, readable by every tenant. */
export const DEFAULT_CATALOGUE_NAMESPACE = "seccomp-catalogue";

export const RECORDING_KIND = "SeccompProfileRecording";
export const RECORDING_PLURAL = "seccompprofilerecordings";
export const RECORDING_SINGULAR = "seccompprofilerecording";
export const RECORDING_SHORT_NAMES = ["scprec"] as const;
/** Recording names stay short, so `<recording>-<container>-audit` is a valid profile name. */
export const MAX_RECORDING_NAME_LENGTH = 63;

export const RECORDING_REPORT_KIND = "SeccompRecordingReport";
export const RECORDING_REPORT_PLURAL = "seccomprecordingreports";
export const RECORDING_REPORT_SINGULAR = "seccomprecordingreport";
export const RECORDING_REPORT_SHORT_NAMES = ["scprecrep"] as const;

/** On profiles a recording made (its audit-mode profiles and its results), and on its reports: the recording's name. */
export const RECORDING_LABEL = `${GROUP}/recording`;
/** On those profiles and reports: which container of the recording. */
export const RECORDING_CONTAINER_LABEL = `${GROUP}/recording-container`;
/** On a recording's profiles: `audit` (what the containers run while recording) or `result`. */
export const RECORDING_ROLE_LABEL = `${GROUP}/recording-role`;
/** The recording's own finalizer: its result is written before it goes. */
export const RECORDING_FINALIZER = `${GROUP}/recording-result`;
/** Field manager of the container annotations a recording sets on its workloads. */
export const RECORDING_FIELD_MANAGER = "seccomp-operator-recording";
