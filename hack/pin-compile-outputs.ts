// Rewrites test/fixtures/compile-outputs.json after an intended change of the engine's output:
// one input per line, so a change shows as the lines of the inputs it touched.
import { writeFileSync } from "node:fs";
import { COMPILE_OUTPUTS, compileOutputs } from "../test/compile-outputs.js";

writeFileSync(COMPILE_OUTPUTS, `[\n${compileOutputs().map((output) => JSON.stringify(output)).join(",\n")}\n]\n`);
