import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { NodeState } from "./node-state.js";

/** The agent's own metrics, beside the runtime's queue and informer metrics. */
export function agentMetrics(registry: Registry, state: NodeState, pendingGc: () => number) {
  new Gauge({
    name: "seccomp_agent_profiles_installed",
    help: "Profiles whose file is installed on this node.",
    registers: [registry],
    collect() {
      this.set(state.installed.size);
    },
  });
  new Gauge({
    name: "seccomp_agent_profiles_failed",
    help: "Profiles this node could not install (invalid, or the file could not be written).",
    registers: [registry],
    collect() {
      this.set(state.failures.size);
    },
  });
  new Gauge({
    name: "seccomp_agent_pinned_files_pending_removal",
    help: "Pinned files no pod uses, waiting out the grace period.",
    registers: [registry],
    collect() {
      this.set(pendingGc());
    },
  });
  return {
    installs: new Counter({ name: "seccomp_agent_reconciles_total", help: "Profile reconciles by result.", labelNames: ["result"], registers: [registry] }),
    reconcileSeconds: new Histogram({
      name: "seccomp_agent_reconcile_seconds",
      help: "Time to reconcile one profile, file writes included.",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    pinnedRemoved: new Counter({ name: "seccomp_agent_pinned_files_removed_total", help: "Pinned files removed by garbage collection.", registers: [registry] }),
    statusWrites: new Counter({ name: "seccomp_agent_node_status_writes_total", help: "SeccompNodeStatus writes by result.", labelNames: ["result"], registers: [registry] }),
  };
}
