import { z } from "zod";
import { API_VERSION, REVISION_KIND } from "./names.js";
import { ObjectMetaSchema } from "./object-meta.js";

/** The largest rendered profile a revision holds: 4,096 names of 64 characters render to well under this. */
export const MAX_REVISION_CONTENT = 1024 * 1024;

export const RevisionSpecSchema = z
  .object({
    hash: z
      .string()
      .regex(/^[a-f0-9]{64}$/)
      .describe("sha256 of content; the object's name is the same hash."),
    content: z.string().max(MAX_REVISION_CONTENT).describe("The rendered profile, byte for byte what nodes write at operator/<namespace>/<name>/<hash>.json."),
  })
  .describe("One rendered version of the namespace's profiles, by content.");

/**
 * A rendered profile kept by content (named by its hash) in the profile's namespace, written by
 * the controller: how a node that joins later installs hashes that templates still pin, which
 * it cannot render from the profile's current spec.
 */
export const SeccompProfileRevisionSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(REVISION_KIND),
  metadata: ObjectMetaSchema,
  spec: RevisionSpecSchema,
});
export type SeccompProfileRevision = z.infer<typeof SeccompProfileRevisionSchema>;
