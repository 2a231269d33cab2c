// Every decoder and handshake is total: mutated inputs (fixtures first) yield a value or a
// DecodeError, nothing else. 100k inputs per target; the CURVE targets that run a full handshake
// per input (~1 ms) get 2k. `npm run fuzz` runs 10M per target.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runFuzz } from "./harness.js";
import { targets } from "./targets.js";

const HANDSHAKE = new Set(["curve-server-initiate", "curve-client-welcome-ready"]);

for (const target of targets) {
  const n = HANDSHAKE.has(target.name) ? 2_000 : 100_000;
  test(`fuzz - ${target.name}: ${n} mutated inputs, only DecodeError`, () => {
    const report = runFuzz(target, n, 0x5eed);
    assert.equal(report.accepted + report.rejected, n);
    assert.ok(report.accepted > 0 && report.rejected > 0, `both outcomes expected: ${JSON.stringify(report)}`);
  });
}
