/**
 * The enforcement harness: a temp dir with the shared rootfs, runc's default spec and a
 * private runc state root; `run` builds a bundle per container and runs it under runc.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Context } from "mocha";
import { containerSpec, defaultSpec, writeBundle, type ContainerOptions, type OciSpec } from "../../src/cli/oci-bundle.js";
import { runBundle, type RunResult } from "../../src/cli/runc-run.js";
import { CONTAINER_HOSTNAME, createRootfs } from "./bundle.js";
import { enforcementRequired, findTools, privilegeProblem, REQUIRE_ENV, type RuntimeTools } from "./runtime-probe.js";

export interface RunOptions extends Partial<Omit<ContainerOptions, "hostname">> {
  readonly args: readonly string[];
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;

export class Enforcement {
  private runs = 0;

  private constructor(
    readonly tools: RuntimeTools,
    private readonly dir: string,
    private readonly rootfs: string,
    private readonly base: OciSpec,
  ) {}

  static open(tools: RuntimeTools): Enforcement {
    const dir = mkdtempSync(join(tmpdir(), "seccomp-enforcement-"));
    try {
      const rootfs = createRootfs(dir, tools.busybox);
      const base = defaultSpec(tools.runc, join(dir, "spec"));
      return new Enforcement(tools, dir, rootfs, base);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  private get stateRoot(): string {
    return join(this.dir, "state");
  }

  /** `runc --version`'s version, e.g. "1.1.5+ds1". */
  get runcVersion(): string {
    const out = execFileSync(this.tools.runc, ["--version"], { encoding: "utf8" });
    return /^runc version (\S+)/m.exec(out)?.[1] ?? "unknown";
  }

  /** Containers runc still knows in this harness's state root (should be none between runs). */
  containers(): string[] {
    const out = execFileSync(this.tools.runc, ["--root", this.stateRoot, "list", "--quiet"], { encoding: "utf8" });
    return out.split("\n").filter((line) => line !== "");
  }

  /**
   * Runs one container. noNewPrivileges defaults to true, the smaller case for runc; note that
   * Kubernetes sets it only for allowPrivilegeEscalation: false, so false is a pod's default.
   */
  async run(options: RunOptions): Promise<RunResult> {
    this.runs += 1;
    const bundle = join(this.dir, `bundle-${this.runs}`);
    const spec = containerSpec(this.base, this.rootfs, {
      args: options.args,
      hostname: CONTAINER_HOSTNAME,
      seccomp: options.seccomp,
      noNewPrivileges: options.noNewPrivileges ?? true,
    });
    writeBundle(bundle, spec);
    try {
      return await runBundle({ runc: this.tools.runc, stateRoot: this.stateRoot }, bundle, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    } finally {
      rmSync(bundle, { recursive: true, force: true });
    }
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

type Availability = { readonly ready: true; readonly tools: RuntimeTools } | { readonly ready: false; readonly reason: string };

let availability: Promise<Availability> | undefined;
const warned = new Set<string>();

/**
 * Decides once per process: missing tools skip (loudly); tools that are there but cannot
 * run a trivial container fail, with runc's own error.
 */
function checkAvailability(): Promise<Availability> {
  availability ??= (async (): Promise<Availability> => {
    const search = findTools();
    if (!search.found) return { ready: false, reason: search.reason };
    const problem = privilegeProblem();
    if (problem !== undefined) return { ready: false, reason: problem };
    const probe = Enforcement.open(search.tools);
    try {
      const result = await probe.run({ args: ["/bin/busybox", "echo", "probe"], noNewPrivileges: true });
      if (result.status !== 0 || result.stdout !== "probe\n") {
        throw new Error(
          `runc (${search.tools.runc}) cannot run a trivial container here: status ${String(result.status)}, ` +
            `stderr: ${result.stderr.trim() || "(empty)"}`,
        );
      }
    } finally {
      probe.close();
    }
    return { ready: true, tools: search.tools };
  })();
  return availability;
}

async function skipOrFail(ctx: Context): Promise<RuntimeTools> {
  const state = await checkAvailability();
  if (state.ready) return state.tools;
  if (enforcementRequired()) throw new Error(`${REQUIRE_ENV}=required but the enforcement suite cannot run: ${state.reason}`);
  if (!warned.has(state.reason)) {
    warned.add(state.reason);
    console.warn(`\n  enforcement tests skipped: ${state.reason}\n`);
  }
  ctx.skip();
}

/**
 * Registers before/after hooks in the current describe and returns the harness getter.
 * Call it at the top of a describe body.
 */
export function useEnforcement(): () => Enforcement {
  let harness: Enforcement | undefined;
  before(async function () {
    const tools = await skipOrFail(this);
    harness = Enforcement.open(tools);
  });
  after(() => harness?.close());
  return () => {
    if (harness === undefined) throw new Error("enforcement harness used outside its describe");
    return harness;
  };
}
