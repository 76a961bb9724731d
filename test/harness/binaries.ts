// Where the control-plane binaries come from. Like controller-runtime's envtest,
// TEST_ASSET_<NAME> (one binary) and KUBEBUILDER_ASSETS (a directory) win when
// set; otherwise hack/control-plane/build.sh provides them, building them
// once into its cache if they are not there yet.
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export type Component =
  | "etcd"
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kube-scheduler"
  | "kwok"
  | "kubelet"
  | "kube-proxy";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const buildScript = join(repoRoot, "hack", "control-plane", "build.sh");
export const kwokStagesFile = join(repoRoot, "hack", "control-plane", "kwok", "stages.yaml");

function envName(component: Component): string {
  return `TEST_ASSET_${component.replace(/-/g, "_").toUpperCase()}`;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function fromEnvironment(component: Component): string | undefined {
  const explicit = process.env[envName(component)];
  if (explicit) {
    if (!executable(explicit)) throw new Error(`${envName(component)}=${explicit} is not an executable file`);
    return explicit;
  }
  const assets = process.env.KUBEBUILDER_ASSETS;
  if (assets && executable(join(assets, component))) return join(assets, component);
  return undefined;
}

/** Runs the build script (a no-op when cached) and resolves with the directory it prints last. */
function runBuildScript(args: string[]): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    // The build's progress goes to our stderr: a cold build takes a while.
    const child = spawn("bash", [buildScript, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.once("error", reject);
    child.once("exit", (code) => {
      const dir = out.trim().split("\n").pop();
      if (code === 0 && dir) resolve(dir);
      else reject(new Error(`${[buildScript, ...args].join(" ")} exited with ${code}`));
    });
  });
}

let built: Promise<string> | undefined;

/** The control-plane binaries' directory, built first if needed. */
export function buildDir(): Promise<string> {
  built ??= runBuildScript([]);
  return built;
}

export async function binaryPath(component: Component): Promise<string> {
  const fromEnv = fromEnvironment(component);
  if (fromEnv) return fromEnv;
  const file = join(await buildDir(), component);
  if (!executable(file)) throw new Error(`${file} is missing after ${buildScript}`);
  return file;
}

export type Tool = "helm" | "kubectl";

const tools = new Map<Tool, Promise<string>>();

/**
 * helm (the chart's tests) or kubectl (the plugin's tests): TEST_ASSET_HELM / TEST_ASSET_KUBECTL,
 * else `build.sh helm|kubectl`, which builds it once from its pinned module.
 */
export function toolPath(tool: Tool): Promise<string> {
  const explicit = process.env[`TEST_ASSET_${tool.toUpperCase()}`];
  if (explicit) return executable(explicit) ? Promise.resolve(explicit) : Promise.reject(new Error(`TEST_ASSET_${tool.toUpperCase()}=${explicit} is not an executable file`));
  let path = tools.get(tool);
  if (path === undefined) {
    path = runBuildScript([tool]).then((dir) => {
      const file = join(dir, tool);
      if (!executable(file)) throw new Error(`${file} is missing after ${buildScript} ${tool}`);
      return file;
    });
    tools.set(tool, path);
  }
  return path;
}
