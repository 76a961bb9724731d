#!/usr/bin/env node
import { EXIT, UsageError } from "./exit-codes.js";
import { readStdin } from "./inputs.js";
import { run } from "./run.js";

const [command, ...rest] = process.argv.slice(2);
const stdout = (text: string) => process.stdout.write(text);
const stderr = (text: string) => process.stderr.write(text);

// The long-running commands are loaded only when asked for, so the offline CLI starts fast.
if (command === "agent") {
  const { agentCommand } = await import("./agent-command.js");
  // A daemon that returns did not start (or printed its help): whatever it left open (a health
  // server, watches) must not keep a broken process alive that the kubelet would never restart.
  process.exit(await daemon(() => agentCommand(rest, stdout)));
} else if (command === "controller") {
  const { controllerCommand } = await import("./controller-command.js");
  process.exit(await daemon(() => controllerCommand(rest, stdout)));
} else if (command === "recorder") {
  const { recorderCommand } = await import("./recorder-command.js");
  process.exit(await daemon(() => recorderCommand(rest, stdout)));
} else if (command === "record") {
  const { recordCommand } = await import("./record-command.js");
  process.exitCode = await daemon(() => recordCommand(rest, { stdout, stderr, stdin: readStdin }));
} else if (command === "verify") {
  const { verifyCommand } = await import("./verify-command.js");
  process.exitCode = await daemon(() => verifyCommand(rest, { stdout, stderr, stdin: readStdin }));
} else if (command === "report") {
  const { reportCommand } = await import("./cluster-report-command.js");
  process.exitCode = await daemon(() => reportCommand(rest, { stdout, stderr }));
} else {
  process.exitCode = run(process.argv.slice(2), { stdout, stderr, stdin: readStdin });
}

/** Runs an asynchronous command; a usage error exits 2 with a pointer to its help. */
async function daemon(start: () => Promise<number>): Promise<number> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) {
      stderr(`error: ${error.message}\nRun 'seccomp-operator ${command} --help' for usage.\n`);
      return EXIT.usage;
    }
    throw error;
  }
}
