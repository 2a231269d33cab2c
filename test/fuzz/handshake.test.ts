// ZMTP framing/greeting and CURVE handshakes are total too. The CURVE INITIATE/WELCOME targets run
// a full handshake per input (~2 ms), so they get fewer inputs here; `npm run fuzz` runs 10M each.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runFuzz } from "./harness.js";
import { curveTargets } from "./targets-curve.js";
import { zmtpTargets } from "./targets-zmtp.js";

const SLOW = new Set(["curve-server-initiate", "curve-client-welcome-ready"]);

for (const target of [...zmtpTargets, ...curveTargets]) {
  const n = SLOW.has(target.name) ? 2_000 : 100_000;
  test(`fuzz - ${target.name}: ${n} mutated inputs, only DecodeError`, () => {
    const report = runFuzz(target, n, 0xc0ffee);
    assert.equal(report.accepted + report.rejected, n);
    assert.ok(report.rejected > 0, JSON.stringify(report));
  });
}
