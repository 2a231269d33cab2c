// `npm run fuzz [-- --inputs N] [--seed S] [--target SUBSTRING]`: the long fuzz run, 10M mutated
// inputs per decoder by default (the `npm test` suite runs 100k each).
import { parseArgs } from "node:util";
import { FuzzFinding, runFuzz } from "./harness.js";
import { targets } from "./targets.js";

const { values } = parseArgs({
  options: {
    inputs: { type: "string", default: "10000000" },
    seed: { type: "string", default: "1" },
    target: { type: "string" },
  },
});
const inputs = Number(values.inputs);
const seed = Number(values.seed);
let failed = 0;
for (const t of targets.filter((t) => !values.target || t.name.includes(values.target))) {
  try {
    const r = runFuzz(t, inputs, seed);
    console.log(`${t.name}: ${r.inputs} inputs, ${r.accepted} accepted, ${r.rejected} rejected with DecodeError, ${(r.ms / 1000).toFixed(1)} s`);
  } catch (e) {
    if (!(e instanceof FuzzFinding)) throw e;
    failed++;
    console.error(`FINDING ${e.message}`);
  }
}
process.exitCode = failed ? 1 : 0;
