import { parseArgs } from "node:util";
import { SEVERITIES, type Severity } from "../api/profile-status.js";
import { type ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { dockerArchToken } from "../profile/architectures.js";
import { convertCommand, lintCommand, renderCommand, validateCommand, type CommonOptions, type Io } from "./commands.js";
import { diffCommand } from "./diff-command.js";
import { mergeCommand } from "./merge-command.js";
import { operatorVersion } from "../version.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { COMMAND_HELP, MAIN_HELP } from "./help.js";

const OPTIONS = {
  output: { type: "string", short: "o" },
  capability: { type: "string", multiple: true },
  architecture: { type: "string", multiple: true },
  "catalogue-namespace": { type: "string" },
  "fail-on": { type: "string" },
  name: { type: "string" },
  namespace: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const ALLOWED: Record<string, readonly (keyof typeof OPTIONS)[]> = {
  validate: ["output", "capability", "architecture", "catalogue-namespace", "help"],
  lint: ["output", "capability", "architecture", "catalogue-namespace", "fail-on", "help"],
  render: ["output", "capability", "architecture", "catalogue-namespace", "name", "help"],
  convert: ["output", "capability", "architecture", "catalogue-namespace", "name", "namespace", "help"],
  merge: ["output", "capability", "architecture", "catalogue-namespace", "name", "namespace", "help"],
  diff: ["output", "capability", "architecture", "catalogue-namespace", "name", "help"],
};

/** Runs one command line; returns the exit code. */
export function run(argv: readonly string[], io: Io): number {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      io.stdout(MAIN_HELP);
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    if (command === "version" || command === "--version") {
      io.stdout(`${operatorVersion()}\n`);
      return EXIT.ok;
    }
    const allowed = ALLOWED[command];
    if (allowed === undefined) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    const { values, positionals } = parseArgs({ args: [...rest], options: OPTIONS, allowPositionals: true, strict: true });
    for (const key of Object.keys(values)) {
      if (!allowed.includes(key as keyof typeof OPTIONS)) throw new UsageError(`${command} does not take --${key}`);
    }
    if (values.help === true) {
      io.stdout(COMMAND_HELP[command]!);
      return EXIT.ok;
    }
    const output = values.output ?? "text";
    if (output !== "text" && output !== "json") throw new UsageError(`--output must be text or json, not ${JSON.stringify(output)}`);
    const common: CommonOptions = { paths: positionals, output };
    if (values.capability !== undefined) common.capabilities = values.capability.map(normalizeCapability);
    if (values.architecture !== undefined) common.nativeArchitectures = values.architecture.map(architectureToken);
    if (values["catalogue-namespace"] !== undefined) common.catalogueNamespace = values["catalogue-namespace"];
    switch (command) {
      case "validate":
        return validateCommand(common, io);
      case "lint": {
        const failOn = values["fail-on"] ?? "error";
        if (failOn !== "none" && !SEVERITIES.includes(failOn as Severity)) {
          throw new UsageError(`--fail-on must be error, warning, info or none, not ${JSON.stringify(failOn)}`);
        }
        return lintCommand({ ...common, failOn: failOn as Severity | "none" }, io);
      }
      case "render":
        return renderCommand(values.name === undefined ? common : { ...common, name: values.name }, io);
      case "diff":
        return diffCommand(values.name === undefined ? common : { ...common, name: values.name }, io);
      default: {
        const extra: { name?: string; namespace?: string } = {};
        if (values.name !== undefined) extra.name = values.name;
        if (values.namespace !== undefined) extra.namespace = values.namespace;
        return command === "merge" ? mergeCommand({ ...common, ...extra }, io) : convertCommand({ ...common, ...extra }, io);
      }
    }
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) {
      io.stderr(`error: ${error.message}\nRun 'seccomp-operator ${ALLOWED[command ?? ""] ? `${command} ` : ""}--help' for usage.\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

/** `amd64`, `x86_64` and `SCMP_ARCH_X86_64` all name the same architecture. */
function architectureToken(value: string): ArchitectureToken {
  const token = dockerArchToken(value) ?? dockerArchToken(`SCMP_ARCH_${value.toUpperCase()}`);
  if (token === undefined) throw new UsageError(`unknown architecture ${JSON.stringify(value)}`);
  return token;
}

/** `sys_admin` and `CAP_SYS_ADMIN` both name CAP_SYS_ADMIN. */
function normalizeCapability(value: string): string {
  const upper = value.toUpperCase();
  return upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
}
