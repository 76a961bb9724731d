import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { ESSENTIAL_SYSCALLS } from "../profile/lint.js";
import { toManifest } from "../profile/manifest.js";
import { recordedSpec } from "../profile/recorded-profile.js";
import { runtimeNeeds, RUNTIMES, type Runtime } from "../profile/runtime-needs.js";
import { isKnownSyscall } from "../profile/syscall-table.js";
import { nameFromFile, type Io } from "./commands.js";
import { splitCommand, type ToolIo } from "./command-line.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { findExecutable } from "./executables.js";
import { parseBoolean, parseSeconds } from "./flags.js";
import { COMMAND_HELP } from "./help.js";
import { hostArchitecture } from "./host-architecture.js";
import { containerRunner, runcProblem } from "./runc-container.js";
import { containerCommandTrace, parseStraceOutput } from "./strace-trace.js";

/**
 * `record [options] -- COMMAND [ARGS...]`: runs the command under `strace -f` and prints a
 * SeccompProfile that allows exactly what it called, plus SCP001's syscalls and, with
 * --for-runtime, the runtime's own. The command's output goes to stderr, the profile to stdout
 * or -o FILE. Exit 1 (with the profile written) when the command itself failed.
 */
export async function recordCommand(argv: readonly string[], io: ToolIo): Promise<number> {
  const { options: args, command } = splitCommand(argv);
  const { values } = parseArgs({
    args: [...args],
    options: {
      name: { type: "string" },
      namespace: { type: "string" },
      "for-runtime": { type: "string" },
      "no-new-privileges": { type: "string" },
      output: { type: "string", short: "o" },
      rootfs: { type: "string" },
      image: { type: "string" },
      timeout: { type: "string", default: "60" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help === true) {
    io.stdout(COMMAND_HELP.record!);
    return EXIT.ok;
  }
  if (command.length === 0) throw new UsageError("record needs a command after --, e.g. record -- /bin/busybox echo hi");
  const runtime = values["for-runtime"];
  if (runtime !== undefined && !RUNTIMES.includes(runtime as Runtime)) {
    throw new UsageError(runtime === "crun" ? "--for-runtime crun: crun's own syscalls are not measured yet; record without it and add them" : `--for-runtime must be runc, not ${JSON.stringify(runtime)}`);
  }
  const noNewPrivileges = parseBoolean(values["no-new-privileges"], "--no-new-privileges");
  if (noNewPrivileges !== undefined && runtime === undefined) throw new UsageError("--no-new-privileges only matters with --for-runtime");
  if (values.rootfs !== undefined && values.image !== undefined) throw new UsageError("give at most one of --rootfs DIR and --image OCI-ARCHIVE");
  const inContainer = values.rootfs !== undefined || values.image !== undefined;
  const timeoutMs = parseSeconds(values.timeout, "--timeout", 1) * 1000;

  const strace = findExecutable("strace", io.path);
  if (strace === undefined) {
    io.stderr("error: strace not found on PATH: install it (Debian/Ubuntu: apt-get install strace)\n");
    return EXIT.tool;
  }
  const problem = inContainer ? runcProblem(io.path) : undefined;
  if (problem !== undefined) {
    io.stderr(`error: ${problem}\n`);
    return EXIT.tool;
  }
  const native = hostArchitecture();
  const dir = mkdtempSync(join(tmpdir(), "seccomp-record-"));
  try {
    const traceFile = join(dir, "trace");
    // -f: every child and thread; -n: syscall numbers, which tell the ABI; -qq: no attach/exit notes.
    const tracing = [strace, "-f", "-n", "-qq", "-o", traceFile];
    let run: { status: number; straceErrors: string };
    let trace: string;
    if (inContainer) {
      const container = containerRunner({ rootfs: values.rootfs, image: values.image, command, noNewPrivileges: noNewPrivileges ?? false, timeoutMs, work: dir, path: io.path }, io);
      if (typeof container === "number") return container;
      // strace follows runc into the container; pids as seen from here tell its processes apart.
      const result = await container(undefined, { wrapper: [...tracing, "--decode-pids=pidns", "--"] });
      io.stderr(result.stdout);
      io.stderr(result.stderr);
      run = { status: result.status ?? 1, straceErrors: straceMessages(result.stderr) };
      trace = containerCommandTrace(readTrace(traceFile), command[0]!);
    } else {
      run = await runTraced([...tracing, "--", ...command], io);
      trace = readTrace(traceFile);
    }
    const recorded = parseStraceOutput(trace, native);
    if (recorded.size === 0) {
      const ptrace = /(ptrace|PTRACE_).*Operation not permitted/.test(run.straceErrors);
      io.stderr(
        ptrace
          ? "error: strace cannot trace here: ptrace is not permitted (in a container it needs CAP_SYS_PTRACE and a seccomp profile that allows ptrace; on the host, kernel.yama.ptrace_scope may forbid it)\n"
          : `error: strace recorded nothing: ${run.straceErrors.trim() || `it exited with status ${run.status}`}\n`,
      );
      return EXIT.tool;
    }
    for (const [arch, counts] of recorded) {
      for (const name of counts.keys()) {
        if (!isKnownSyscall(name)) {
          io.stderr(`warning: ${name} on ${arch} is in no syscall table; left out of the profile\n`);
          counts.delete(name);
        }
      }
    }
    const needs = runtime === undefined ? [] : runtimeNeeds(runtime as Runtime, noNewPrivileges ?? false);
    const spec = recordedSpec({ syscalls: new Map([...recorded].map(([arch, counts]) => [arch, counts.keys()])), native, runtimeNeeds: needs, description: `Recorded with strace from: ${command.join(" ")}` });
    const name = values.name ?? nameFromFile(basename(command[0]!));
    const manifest = toManifest(spec, values.namespace === undefined ? { name } : { name, namespace: values.namespace });
    for (const [arch, counts] of recorded) {
      const calls = [...counts.values()].reduce((a, b) => a + b, 0);
      io.stderr(`recorded on ${arch}: ${counts.size} syscalls, ${calls} calls: ${[...counts.keys()].sort().join(", ")}\n`);
    }
    io.stderr(`added for every process (SCP001): ${ESSENTIAL_SYSCALLS.join(", ")}\n`);
    if (runtime !== undefined) io.stderr(`added for ${runtime} with noNewPrivileges ${String(noNewPrivileges ?? false)}: ${needs.join(", ")}\n`);
    if (values.output !== undefined) writeFileSync(values.output, manifest);
    else io.stdout(manifest);
    if (run.status !== 0) {
      io.stderr(`warning: the command exited with status ${run.status}: the recording may lack what a successful run calls\n`);
      return EXIT.findings;
    }
    return EXIT.ok;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// strace prefixes its own messages with the name it was run by, e.g. `/usr/bin/strace: `.
const STRACE_MESSAGE = /^(?:\S*\/)?strace: /;

function straceMessages(text: string): string {
  return text.split("\n").filter((line) => STRACE_MESSAGE.test(line)).map((line) => `${line}\n`).join("");
}

function runTraced(commandLine: readonly string[], io: Io): Promise<{ status: number; straceErrors: string }> {
  const [program, ...args] = commandLine;
  const child = spawn(program!, args, { stdio: ["inherit", "pipe", "pipe"] });
  let errors = "";
  child.stdout.on("data", (chunk: Buffer) => io.stderr(chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    errors += straceMessages(text);
    io.stderr(text);
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ status: code ?? (signal === null ? 1 : 128), straceErrors: errors }));
  });
}

function readTrace(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
