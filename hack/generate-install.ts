// Writes dist/install.yaml, the one file a cluster admin applies, by running
// kustomize on config/default; config/crd/bases/, a copy of crds/ (kustomize
// refuses files outside a kustomization's folder); and the Helm chart's copies
// (helm reads no file outside the chart): crds/, the CRDs as the install has
// them, and files/samples/, config/samples/.
//
// kustomize is the version pinned in hack/control-plane/kustomize/go.mod, built
// once with `go build` into the user cache, so every machine renders the same
// bytes; KUSTOMIZE=/path/to/kustomize overrides it. Without Go, `kubectl
// kustomize` is used as a last resort (its embedded kustomize may differ).
//
// Usage: tsx hack/generate-install.ts [--check]
//   --check  write nothing; exit 1 if dist/install.yaml or a copy is stale
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
export const installFile = join(repoRoot, "dist", "install.yaml");
export const crdSourceDir = join(repoRoot, "crds");
export const crdBasesDir = join(repoRoot, "config", "crd", "bases");
export const chartDir = join(repoRoot, "charts", "seccomp-operator");
const samplesDir = join(repoRoot, "config", "samples");
const defaultDir = join(repoRoot, "config", "default");
const kustomizeModule = join(repoRoot, "hack", "control-plane", "kustomize");
const KUSTOMIZE_PACKAGE = "sigs.k8s.io/kustomize/kustomize/v5";

/** The kustomize version pinned by the wrapper module. */
export function pinnedKustomizeVersion(): string {
  const goMod = readFileSync(join(kustomizeModule, "go.mod"), "utf8");
  const match = /^\s*sigs\.k8s\.io\/kustomize\/kustomize\/v5 (v\S+)/m.exec(goMod);
  if (!match) throw new Error(`${KUSTOMIZE_PACKAGE} is not required in ${join(kustomizeModule, "go.mod")}`);
  return match[1]!;
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${result.status}:\n${result.stderr}`);
  }
  return result.stdout;
}

function onPath(command: string, ...args: string[]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).error === undefined;
}

/** Where the pinned kustomize is cached, keyed by its version like the control-plane binaries. */
function pinnedKustomizePath(): string {
  const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(cacheRoot, "seccomp-operator", "kustomize", pinnedKustomizeVersion(), "kustomize");
}

/** The cached build of the pinned kustomize, built first if missing. */
function pinnedKustomize(): string {
  const version = pinnedKustomizeVersion();
  const binary = pinnedKustomizePath();
  const dir = dirname(binary);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  // Built beside its final place and renamed: a concurrent or interrupted
  // build never leaves a truncated binary behind.
  const scratch = mkdtempSync(join(dir, ".build-"));
  try {
    console.error(`building kustomize ${version} (once, into ${dir})`);
    run("go", ["build", "-trimpath", "-ldflags", "-s -w", "-o", join(scratch, "kustomize"), KUSTOMIZE_PACKAGE], {
      cwd: kustomizeModule,
      env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: `${process.env.GOFLAGS ?? ""} -buildvcs=false`.trim() },
    });
    renameSync(join(scratch, "kustomize"), binary);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return binary;
}

/** How to run `kustomize build`: the command and the arguments before the folder. */
export function kustomizeCommand(): { command: string; args: string[] } {
  const explicit = process.env.KUSTOMIZE;
  if (explicit) return { command: explicit, args: ["build"] };
  if (existsSync(pinnedKustomizePath()) || onPath("go", "version")) return { command: pinnedKustomize(), args: ["build"] };
  if (onPath("kubectl", "version", "--client")) {
    console.error(`go is not on PATH: using kubectl kustomize instead of kustomize ${pinnedKustomizeVersion()}`);
    return { command: "kubectl", args: ["kustomize"] };
  }
  throw new Error("neither go (to build the pinned kustomize) nor kubectl is on PATH; or set KUSTOMIZE=/path/to/kustomize");
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
}

/** dist/install.yaml as it should be: a header, then config/default rendered by kustomize. */
export function renderInstall(): string {
  const { command, args } = kustomizeCommand();
  const body = run(command, [...args, defaultDir], { cwd: repoRoot });
  const header = [
    `# seccomp-operator ${packageVersion()}: CustomResourceDefinitions, RBAC, the controller and the node agent.`,
    "#   kubectl apply --server-side -f install.yaml",
    "# Generated from config/default by `npm run generate:install`. Do not edit.",
  ].join("\n");
  return `${header}\n${body}`;
}

/** The YAML files of a folder: file name to content. */
export function yamlFiles(dir: string): Map<string, string> {
  if (!existsSync(dir)) return new Map();
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  return new Map(files.map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

/** config/crd/bases/ as it should be: file name to content, copied from crds/. */
export function expectedCrdBases(): Map<string, string> {
  return yamlFiles(crdSourceDir);
}

/**
 * The chart's copies as they should be, by folder: crds/ holds each CRD of the rendered install
 * (labels included), files/samples/ the sample profiles.
 */
export function expectedChartCopies(install: string): Map<string, Map<string, string>> {
  const crds = new Map<string, string>();
  for (const doc of install.split(/^---\n/m)) {
    const name = /^kind: CustomResourceDefinition$/m.test(doc) ? /^ {2}name: (\S+)$/m.exec(doc)?.[1] : undefined;
    if (name !== undefined) crds.set(`${name}.yaml`, `# Generated from config/ by \`npm run generate:install\`. Do not edit.\n${doc.replace(/^#.*\n/gm, "")}`);
  }
  return new Map([
    [join(chartDir, "crds"), crds],
    [join(chartDir, "files", "samples"), yamlFiles(samplesDir)],
  ]);
}

function sameFiles(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([name, text]) => b.get(name) === text);
}

function writeCopies(dir: string, expected: Map<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const name of yamlFiles(dir).keys()) {
    if (!expected.has(name)) rmSync(join(dir, name));
  }
  for (const [name, text] of expected) writeFileSync(join(dir, name), text);
}

function main(argv: string[]): number {
  const check = argv.includes("--check");
  const unknown = argv.filter((a) => a !== "--check");
  if (unknown.length > 0) {
    console.error(`generate-install: unknown argument: ${unknown.join(" ")}`);
    return 2;
  }
  const bases = expectedCrdBases();
  if (check) {
    // The CRD copies are checked first: install.yaml is rendered from them.
    if (!sameFiles(bases, yamlFiles(crdBasesDir))) {
      console.error("config/crd/bases/ differs from crds/: run npm run generate:install");
      return 1;
    }
    const current = existsSync(installFile) ? readFileSync(installFile, "utf8") : undefined;
    const fresh = renderInstall();
    if (current !== fresh) {
      console.error("dist/install.yaml is stale: run npm run generate:install");
      return 1;
    }
    for (const [dir, expected] of expectedChartCopies(fresh)) {
      if (!sameFiles(expected, yamlFiles(dir))) {
        console.error(`${relative(repoRoot, dir)}/ is stale: run npm run generate:install`);
        return 1;
      }
    }
    console.error("dist/install.yaml, config/crd/bases/ and the chart's copies are up to date");
    return 0;
  }
  writeCopies(crdBasesDir, bases);
  console.error(`wrote config/crd/bases/ (${[...bases.keys()].join(", ")})`);
  const text = renderInstall();
  mkdirSync(dirname(installFile), { recursive: true });
  writeFileSync(installFile, text);
  console.error("wrote dist/install.yaml");
  for (const [dir, expected] of expectedChartCopies(text)) {
    writeCopies(dir, expected);
    console.error(`wrote ${relative(repoRoot, dir)}/ (${[...expected.keys()].join(", ")})`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(`generate-install: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
