import type { ProfileSpec } from "../api/profile-spec.js";
import { type ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { DEFAULT_ARCHITECTURES } from "./architectures.js";

/** The architectures a profile is rendered with: its own list, or the default one when it names none. */
export function effectiveArchitectures(spec: Pick<ProfileSpec, "architectures">): readonly ArchitectureToken[] {
  return spec.architectures !== undefined && spec.architectures.length > 0 ? spec.architectures : DEFAULT_ARCHITECTURES;
}
