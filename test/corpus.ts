import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Real-world profiles: the shared corpus beside the checkout when it is there, else the copy in
 * test/fixtures/corpus (same files, with attribution), so a user's clone runs the same tests.
 */
export const CORPUS_ROOT = existsSync(join(REPO_ROOT, "..", "shared", "corpus", "seed"))
  ? join(REPO_ROOT, "..", "shared", "corpus")
  : join(REPO_ROOT, "test", "fixtures", "corpus");

/** Every profile file of the corpus, as `folder/file`. */
export function corpusProfiles(): string[] {
  return readdirSync(CORPUS_ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "libseccomp")
    .flatMap((d) => readdirSync(join(CORPUS_ROOT, d.name)).map((f) => `${d.name}/${f}`))
    .filter((f) => /\.(json|ya?ml)$/.test(f))
    .sort();
}

export function readCorpus(file: string): string {
  return readFileSync(join(CORPUS_ROOT, file), "utf8");
}
