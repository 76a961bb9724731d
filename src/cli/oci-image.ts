import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, dirname, join, normalize } from "node:path";

/** What a container built from an image needs besides its rootfs. */
export interface ImageConfig {
  env?: string[];
  cwd?: string;
}

export class ImageError extends Error {
  override name = "ImageError";
}

const INDEX_TYPES = new Set(["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"]);
const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";

/**
 * Unpacks an OCI image archive (`oci-archive:`, as `skopeo copy`, `buildah push` or
 * `docker save` of Docker 25 and later write it) into `rootfs` with tar, layer by layer, with
 * the OCI whiteouts: `.wh.NAME` deletes NAME from the layers below, `.wh..wh..opq` empties its
 * folder. Takes the first manifest of the index.
 */
export function unpackImage(archive: string, work: string, rootfs: string): ImageConfig {
  const layout = join(work, "layout");
  mkdirSync(layout, { recursive: true });
  tar(["-xf", archive, "-C", layout], archive);
  const blob = (digest: unknown, what: string): string => {
    const match = typeof digest === "string" ? /^(sha256|sha512):([0-9a-f]+)$/.exec(digest) : null;
    if (match === null) throw new ImageError(`${archive}: ${what} has no valid digest (${JSON.stringify(digest)})`);
    const file = join(layout, "blobs", match[1]!, match[2]!);
    if (!existsSync(file)) throw new ImageError(`${archive}: ${what} ${digest as string} is not in the archive`);
    return file;
  };
  const json = (file: string, what: string): Record<string, unknown> => {
    try {
      return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (error) {
      throw new ImageError(`${archive}: ${what}: ${(error as Error).message}`);
    }
  };
  if (!existsSync(join(layout, "index.json"))) throw new ImageError(`${archive}: not an OCI image archive (no index.json)`);
  let manifest = json(join(layout, "index.json"), "index.json");
  for (let depth = 0; Array.isArray(manifest.manifests) || INDEX_TYPES.has(String(manifest.mediaType)); depth++) {
    const first = (manifest.manifests as { digest?: unknown }[] | undefined)?.[0];
    if (first === undefined || depth > 2) throw new ImageError(`${archive}: the image index lists no manifest`);
    manifest = json(blob(first.digest, "manifest"), "manifest");
  }
  if (!Array.isArray(manifest.layers)) throw new ImageError(`${archive}: the manifest has no layers`);
  mkdirSync(rootfs, { recursive: true });
  (manifest.layers as { digest?: unknown }[]).forEach((layer, i) => applyLayer(blob(layer.digest, `layer ${i}`), rootfs));
  const config = manifest.config === undefined ? {} : json(blob((manifest.config as { digest?: unknown }).digest, "config"), "config");
  const runtime = (config.config ?? {}) as { Env?: unknown; WorkingDir?: unknown };
  const out: ImageConfig = {};
  if (Array.isArray(runtime.Env)) out.env = runtime.Env.map(String);
  if (typeof runtime.WorkingDir === "string" && runtime.WorkingDir !== "") out.cwd = runtime.WorkingDir;
  return out;
}

function applyLayer(file: string, rootfs: string): void {
  // GNU tar recognises gzip and zstd by content, so one command reads every layer media type.
  const entries = tar(["-tf", file], file).split("\n").filter((e) => e !== "");
  for (const entry of entries) {
    const name = basename(entry);
    if (!name.startsWith(WHITEOUT)) continue;
    const folder = join(rootfs, safe(dirname(entry)));
    if (name === OPAQUE) {
      if (existsSync(folder)) for (const child of readdirSync(folder)) rmSync(join(folder, child), { recursive: true, force: true });
    } else {
      rmSync(join(folder, name.slice(WHITEOUT.length)), { recursive: true, force: true });
    }
  }
  tar(["-xf", file, "-C", rootfs, "--exclude", `${WHITEOUT}*`], file);
}

/** A layer path kept inside the rootfs. */
function safe(path: string): string {
  const normal = normalize(`/${path}`);
  return normal.slice(1);
}

function tar(args: string[], file: string): string {
  try {
    return execFileSync("tar", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new ImageError(`tar cannot read ${file}: ${stderr.trim() || (error as Error).message}`);
  }
}
