import { z } from "zod";

/** A status condition, shaped as the Kubernetes API conventions (metav1.Condition) require. */
export const ConditionSchema = z
  .object({
    type: z
      .string()
      .min(1)
      .max(316)
      .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/)
      .describe("Type of condition in CamelCase, e.g. Valid, Installed, Ready."),
    status: z.enum(["True", "False", "Unknown"]).describe("Status of the condition: True, False or Unknown."),
    observedGeneration: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("The .metadata.generation the condition was set from; older means the condition is out of date."),
    lastTransitionTime: z
      .string()
      .meta({ format: "date-time" })
      .describe("Last time the condition went from one status to another (RFC 3339)."),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
      .describe("Programmatic identifier, in CamelCase, of the reason for the last transition."),
    message: z.string().max(32768).describe("Human-readable details about the transition."),
  })
  .describe("A condition of the object's state, following the Kubernetes API conventions.");
export type Condition = z.infer<typeof ConditionSchema>;

export const ConditionsSchema = z
  .array(ConditionSchema)
  .max(16)
  .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] })
  .describe("Latest observations of the object's state: Valid, Installed and Ready.");
