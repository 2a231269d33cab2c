// Every decoder and handshake is total: mutated inputs (fixtures first) yield a value or a
// DecodeError, nothing else. A smoke depth here (10k inputs per target; the CURVE targets that
// run a full handshake per input, ~1 ms, get 1k); `npm run fuzz` goes deep (10M per target).
import assert from "node:assert/strict";
import { test } from "node:test";
import { runFuzz } from "./harness.js";
import { targets } from "./targets.js";

const HANDSHAKE = new Set(["curve-server-initiate", "curve-client-welcome-ready"]);

for (const target of targets) {
  const n = HANDSHAKE.has(target.name) ? 1_000 : 10_000;
  test(`fuzz - ${target.name}: ${n} mutated inputs, only DecodeError`, () => {
    const report = runFuzz(target, n, 0x5eed);
    assert.equal(report.accepted + report.rejected, n);
    assert.ok(report.accepted > 0 && report.rejected > 0, `both outcomes expected: ${JSON.stringify(report)}`);
  });
}
