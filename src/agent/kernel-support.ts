import { readFileSync } from "node:fs";
import { release } from "node:os";

export interface KernelSupport {
  release: string;
  /** Seccomp actions the kernel supports, e.g. `allow errno kill_process log`; empty if unreadable. */
  actionsAvail: string[];
}

/** What this node's kernel can enforce, for the node status (`SCMP_ACT_LOG` needs `log`). */
export function readKernelSupport(procRoot = "/proc"): KernelSupport {
  let actionsAvail: string[] = [];
  try {
    actionsAvail = readFileSync(`${procRoot}/sys/kernel/seccomp/actions_avail`, "utf8").trim().split(/\s+/).filter(Boolean);
  } catch {
    // A kernel without seccomp, or a /proc we may not read: report nothing rather than guess.
  }
  return { release: release(), actionsAvail };
}
