import { z } from "zod";
import { API_VERSION, PROFILE_KIND } from "./names.js";
import { ObjectMetaSchema } from "./object-meta.js";
import { ProfileSpecSchema } from "./profile-spec.js";
import { ProfileStatusSchema } from "./profile-status.js";

export const SeccompProfileSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(PROFILE_KIND),
  metadata: ObjectMetaSchema,
  spec: ProfileSpecSchema,
  status: ProfileStatusSchema.optional(),
});
export type SeccompProfile = z.infer<typeof SeccompProfileSchema>;
