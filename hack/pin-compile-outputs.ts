// Rewrites test/fixtures/compile-outputs.json after an intended change of the engine's output.
import { writeFileSync } from "node:fs";
import { COMPILE_OUTPUTS, compileOutputs } from "../test/compile-outputs.js";

writeFileSync(COMPILE_OUTPUTS, `${JSON.stringify(compileOutputs(), null, 1)}\n`);
