import { z } from "zod";

/** The parts of ObjectMeta the engine reads; the API server owns the rest. */
export const ObjectMetaSchema = z.looseObject({
  name: z.string().min(1).max(253).optional(),
  namespace: z.string().max(63).optional(),
  generation: z.number().int().optional(),
  resourceVersion: z.string().optional(),
  uid: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  deletionTimestamp: z.string().optional(),
  creationTimestamp: z.string().optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;
