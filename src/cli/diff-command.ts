import { diffSpecs, type ArchitectureDiff, type ProfileDiff } from "../profile/diff-profiles.js";
import type { CommonOptions, Io } from "./commands.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { pickOne, resolveInputs, type ResolvedInput } from "./resolved-inputs.js";

/** `diff A B`: what changes from A to B, per architecture; exit 1 when they differ. */
export function diffCommand(options: CommonOptions & { name?: string }, io: Io): number {
  if (options.paths.length !== 2) throw new UsageError(`diff takes two paths, A and B, got ${options.paths.length}`);
  const sides = options.paths.map((path) => resolveInputs({ ...options, paths: [path] }, io));
  if (sides.some((s) => s.unreadable)) return EXIT.input;
  if (sides.some((s) => s.invalid)) return EXIT.findings;
  const [a, b] = sides.map((side, i) => pickOne(side.resolved, options.paths[i]!, options.name)) as [ResolvedInput, ResolvedInput];
  const diff = diffSpecs(a.spec, b.spec);
  if (options.output === "json") io.stdout(`${JSON.stringify({ a: a.source, b: b.source, ...diff }, null, 2)}\n`);
  else io.stdout(formatDiff(a.source, b.source, diff));
  return diff.same ? EXIT.ok : EXIT.findings;
}

export function formatDiff(a: string, b: string, diff: ProfileDiff): string {
  const lines = [`--- A ${a}`, `+++ B ${b}`];
  if (diff.same) return `${lines.join("\n")}\nno difference\n`;
  if (diff.defaultAction !== undefined) lines.push(`defaultAction: ${diff.defaultAction.a} -> ${diff.defaultAction.b}`);
  const list = (label: string, items: readonly string[]) => {
    if (items.length > 0) lines.push(`${label}: ${items.join(", ")}`);
  };
  list("architectures only in A", diff.architecturesOnlyInA);
  list("architectures only in B", diff.architecturesOnlyInB);
  list("flags only in A", diff.flagsOnlyInA);
  list("flags only in B", diff.flagsOnlyInB);
  // Architectures with the same differences are shown together (x86_64 and aarch64 usually are).
  const groups = new Map<string, ArchitectureDiff[]>();
  for (const arch of diff.architectures) {
    const key = JSON.stringify([arch.allowedOnlyByA, arch.allowedOnlyByB, arch.changed]);
    groups.set(key, [...(groups.get(key) ?? []), arch]);
  }
  for (const archs of groups.values()) {
    const [first] = archs;
    lines.push(`${archs.map((x) => x.architecture).join(", ")}:`);
    if (first!.allowedOnlyByA.length > 0) lines.push(`  allowed only by A: ${first!.allowedOnlyByA.join(", ")}`);
    if (first!.allowedOnlyByB.length > 0) lines.push(`  allowed only by B: ${first!.allowedOnlyByB.join(", ")}`);
    for (const change of first!.changed) lines.push(`  ${change.syscall}: ${change.kind} changed: ${change.a} -> ${change.b}`);
  }
  return `${lines.join("\n")}\n`;
}
