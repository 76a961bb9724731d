import type { Condition } from "../../api/conditions.js";

export type ConditionInput = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

/**
 * Sets conditions as the API conventions ask: lastTransitionTime changes only when the status
 * does, so a resync that finds nothing new writes nothing new.
 */
export function mergeConditions(previous: readonly Condition[] | undefined, next: readonly ConditionInput[], generation: number, now: Date): Condition[] {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, "Z");
  return next.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    const lastTransitionTime = old !== undefined && old.status === c.status ? old.lastTransitionTime : stamp;
    return { type: c.type, status: c.status, observedGeneration: generation, lastTransitionTime, reason: c.reason, message: c.message.slice(0, 32768) };
  });
}
