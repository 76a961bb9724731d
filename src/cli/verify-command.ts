import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { ResolvedSpec } from "../profile/resolve.js";
import { renderProfile } from "../profile/render.js";
import { splitCommand, type ToolIo } from "./command-line.js";
import { AuditLogUnavailable, auditDenials, type Denial } from "./denial-audit.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { parseBoolean, parseSeconds } from "./flags.js";
import { COMMAND_HELP } from "./help.js";
import { kernelLogProblem } from "../recorder/kernel-log.js";
import { containerRunner, runcProblem } from "./runc-container.js";
import { pickOne, resolveInputs } from "./resolved-inputs.js";

/** What `verify` found, for people and for `-o json`. */
export interface VerifyReport {
  profile: string;
  hash: string;
  command: string[];
  noNewPrivileges: boolean;
  /** The enforced run's exit status (128 + signal when a signal ended it); null if it never ended. */
  exitStatus: number | null;
  timedOut: boolean;
  runcError?: string;
  /** Every syscall the profile refused or would have, from the audit-mode run. */
  denied: Denial[];
  countsAreLowerBounds: boolean;
  stdout: string;
  stderr: string;
  passed: boolean;
}

/**
 * `verify PROFILE... (--rootfs DIR | --image ARCHIVE) -- COMMAND`: runs the command in a runc
 * container under the profile's audit-mode twin, to read what it would refuse from the kernel
 * log, then under the profile itself. Exit 0 only when the command succeeded and nothing was
 * refused.
 */
export async function verifyCommand(argv: readonly string[], io: ToolIo): Promise<number> {
  const { options: args, command } = splitCommand(argv);
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      name: { type: "string" },
      rootfs: { type: "string" },
      image: { type: "string" },
      "no-new-privileges": { type: "string" },
      output: { type: "string", short: "o" },
      timeout: { type: "string", default: "30" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    io.stdout(COMMAND_HELP.verify!);
    return EXIT.ok;
  }
  const output = values.output ?? "text";
  if (output !== "text" && output !== "json") throw new UsageError(`--output must be text or json, not ${JSON.stringify(output)}`);
  if (positionals.length === 0) throw new UsageError("verify needs a profile (file or folder) before --");
  if ((values.rootfs === undefined) === (values.image === undefined)) throw new UsageError("give one of --rootfs DIR and --image OCI-ARCHIVE");
  if (command.length === 0) throw new UsageError("verify needs a command after --");
  const noNewPrivileges = parseBoolean(values["no-new-privileges"], "--no-new-privileges") ?? false;
  const timeoutMs = parseSeconds(values.timeout, "--timeout", 1) * 1000;

  const problem = runcProblem(io.path) ?? kernelLogProblem();
  if (problem !== undefined) {
    io.stderr(`error: ${problem}\n`);
    return EXIT.tool;
  }

  const { resolved, unreadable, invalid } = resolveInputs({ paths: positionals }, io);
  if (unreadable) return EXIT.input;
  if (invalid) return EXIT.findings;
  const profile = pickOne(resolved, positionals.join(" "), values.name);

  const work = mkdtempSync(join(tmpdir(), "seccomp-verify-"));
  try {
    const run = containerRunner({ rootfs: values.rootfs, image: values.image, command, noNewPrivileges, timeoutMs, work, path: io.path }, io);
    if (typeof run === "number") return run;
    const runContainer = (spec: ResolvedSpec, pidFile: string) => run(JSON.parse(renderProfile(spec).json) as unknown, { pidFile });

    let audit;
    try {
      audit = await auditDenials(profile.spec, runContainer, join(work, "audit.pid"));
    } catch (error) {
      if (!(error instanceof AuditLogUnavailable)) throw error;
      io.stderr(`error: ${error.message}\n`);
      return EXIT.tool;
    }
    const enforced = await run(profile.rendered.document, { pidFile: join(work, "enforced.pid") });
    const report: VerifyReport = {
      profile: profile.source,
      hash: profile.rendered.hash,
      command,
      noNewPrivileges,
      exitStatus: enforced.status,
      timedOut: enforced.timedOut,
      denied: audit.denials,
      countsAreLowerBounds: audit.countsAreLowerBounds,
      stdout: enforced.stdout,
      stderr: enforced.stderr,
      passed: enforced.status === 0 && !enforced.timedOut && audit.denials.length === 0,
    };
    if (enforced.runcError !== undefined) report.runcError = enforced.runcError;
    if (output === "json") {
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      io.stderr(enforced.stdout);
      io.stderr(enforced.stderr);
      io.stdout(formatVerifyReport(report));
    }
    return report.passed ? EXIT.ok : EXIT.findings;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function formatVerifyReport(report: VerifyReport): string {
  const lines = [
    `profile: ${report.profile} (sha256 ${report.hash})`,
    `command: ${report.command.join(" ")} (noNewPrivileges ${String(report.noNewPrivileges)})`,
    `exit status: ${report.timedOut ? "killed after the timeout" : String(report.exitStatus)}`,
  ];
  if (report.runcError !== undefined) lines.push(`runc: ${report.runcError}`);
  if (report.denied.length === 0) lines.push("denied: none");
  else {
    lines.push(`denied${report.countsAreLowerBounds ? " (the kernel dropped some records: counts are at least these)" : ""}:`);
    for (const d of report.denied) lines.push(`  ${d.syscall} (${d.architecture}, number ${d.number}): ${d.count} call${d.count === 1 ? "" : "s"}`);
  }
  lines.push(report.passed ? "verified" : "FAILED");
  return `${lines.join("\n")}\n`;
}
