// Short fuzz runs of the log targets (>= 100k inputs each); `npm run fuzz` runs longer ones.
import assert from "node:assert/strict";
import { it } from "node:test";
import { runFuzz } from "../fuzz/harness.js";
import { logTargets } from "../fuzz/targets-log.js";

for (const target of logTargets) {
  it(`fuzz: ${target.name}`, () => {
    const report = runFuzz(target, 100_000, 0x5eed);
    assert.equal(report.accepted + report.rejected, 100_000);
    assert.ok(report.accepted > 0 && report.rejected > 0, `both outcomes reached: ${JSON.stringify(report)}`);
  });
}
