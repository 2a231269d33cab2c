// Broker decoders are total: 100k mutated inputs each yield a value or a DecodeError.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runFuzz } from "./harness.js";
import { brokerTargets } from "./targets-broker.js";

for (const target of brokerTargets) {
  test(`fuzz - ${target.name}: 100k mutated inputs, only DecodeError`, () => {
    const report = runFuzz(target, 100_000, 0x5eed);
    assert.equal(report.accepted + report.rejected, 100_000);
    assert.ok(report.rejected > 0 && report.accepted > 0, `both outcomes expected: ${JSON.stringify(report)}`);
  });
}
