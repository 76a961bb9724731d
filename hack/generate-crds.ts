// Writes crds/*.yaml from the zod schemas in src/api, so the API server enforces what the engine does.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderCrdFiles } from "../src/api/crd.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "crds");
mkdirSync(dir, { recursive: true });
for (const [name, text] of renderCrdFiles()) {
  writeFileSync(join(dir, name), text);
  console.log(`wrote crds/${name}`);
}
