import type { ProfileSpec } from "../api/profile-spec.js";
import { DEFAULT_ARCHITECTURES, type ArchitectureToken } from "./architectures.js";

/** The architectures a profile is rendered with: its own list, or the default one when it names none. */
export function effectiveArchitectures(spec: Pick<ProfileSpec, "architectures">): readonly ArchitectureToken[] {
  return spec.architectures !== undefined && spec.architectures.length > 0 ? spec.architectures : DEFAULT_ARCHITECTURES;
}
