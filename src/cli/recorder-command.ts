import { parseArgs } from "node:util";
import { errorMessage } from "../kube/logger.js";
import { createRecorder } from "../recorder/recorder.js";
import { daemonHelp, daemonOptions, runUntilStopped, startDaemon } from "./daemon.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { parseSeconds } from "./flags.js";

export const RECORDER_HELP = `Usage: NODE_NAME=<node> seccomp-operator recorder [options]

Reads this node's seccomp audit records, attributes each to its container, and reports what
the containers of each running SeccompProfileRecording with containers on this node called,
in one SeccompRecordingReport per recording and node.

      --audit-source auto|audit-log|kernel-log
                                  where records are read (default auto: auditd's log when
                                  auditd runs, else the kernel log, which is rate-limited)
      --audit-log FILE            auditd's log, followed across rotations (default /var/log/audit/audit.log)
      --proc DIR                  the host's /proc, for the processes' cgroups (default /proc)
      --poll SECONDS              read records and capture new processes this often (default 0.05)
      --report-interval SECONDS   write changed reports this often (default 10)
      --max-report-writes N       at most this many report writes per interval, the least
                                  recently written first (default 20)
${daemonHelp("recorder")}`;

const SOURCES = ["auto", "audit-log", "kernel-log"] as const;

/** `seccomp-operator recorder`: runs until SIGTERM or SIGINT. */
export async function recorderCommand(argv: readonly string[], stdout: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      ...daemonOptions("recorder"),
      "audit-source": { type: "string", default: "auto" },
      "audit-log": { type: "string", default: "/var/log/audit/audit.log" },
      proc: { type: "string", default: "/proc" },
      poll: { type: "string", default: "0.05" },
      "report-interval": { type: "string", default: "10" },
      "max-report-writes": { type: "string", default: "20" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    stdout(RECORDER_HELP);
    return EXIT.ok;
  }
  const nodeName = process.env.NODE_NAME;
  if (nodeName === undefined || nodeName === "") throw new UsageError("NODE_NAME is not set: the recorder must know its node (set it from spec.nodeName in the DaemonSet)");
  const source = values["audit-source"];
  if (!(SOURCES as readonly string[]).includes(source)) throw new UsageError(`--audit-source must be auto, audit-log or kernel-log, not ${JSON.stringify(source)}`);
  const pollMs = parseSeconds(values.poll, "--poll", 0.01) * 1000;
  const reportIntervalMs = parseSeconds(values["report-interval"], "--report-interval", 0.5) * 1000;
  const maxReportWrites = Number(values["max-report-writes"]);
  if (!Number.isInteger(maxReportWrites) || maxReportWrites < 1) throw new UsageError(`--max-report-writes must be a whole number of at least 1, not ${JSON.stringify(values["max-report-writes"])}`);
  const daemon = startDaemon("recorder", values, positionals, { node: nodeName });
  if (typeof daemon === "number") return daemon;
  try {
    const recorder = createRecorder({
      nodeName,
      kubeConfig: daemon.kubeConfig,
      logger: daemon.logger,
      healthHost: daemon.health.host,
      healthPort: daemon.health.port,
      metrics: daemon.metrics,
      source: source as (typeof SOURCES)[number],
      auditLogPath: values["audit-log"],
      procRoot: values.proc,
      pollMs,
      reportIntervalMs,
      maxReportWrites,
    });
    await recorder.start();
    daemon.shutdown.register("recorder", () => recorder.stop());
    daemon.logger.info("recorder started", { healthPort: recorder.healthPort, metricsPort: recorder.metricsPort });
  } catch (error) {
    daemon.logger.error("recorder failed to start", { error: errorMessage(error) });
    return 1;
  }
  return runUntilStopped();
}
