// The event-loop lag sampler behind nodejs_eventloop_lag*_seconds: percentiles within a bucket's
// width, and a block that starts right after a scrape is still seen (monitorEventLoopDelay's
// reset() loses it).
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import { LoopLagSampler } from "../../src/telemetry/loop-lag.js";

test("loop lag - mean, p99 (within 1/16) and max of a window; take() starts a new one", () => {
  const s = new LoopLagSampler(3_600_000); // its own timer stays out of the way
  for (let ms = 1; ms <= 1000; ms++) s.record(ms);
  const r = s.take();
  assert.equal(r.mean, 0.5005);
  assert.equal(r.max, 1);
  assert.ok(r.p99 >= 0.99 && r.p99 <= 0.99 * (1 + 1 / 16), `p99 ${r.p99}`);
  assert.deepEqual(s.take(), { mean: 0, p99: 0, max: 0 });
  s.record(0.004);
  assert.ok(s.take().p99 <= 0.004 / 1000 + 1e-6, "sub-16 µs values have 1 µs buckets");
});

test("loop lag - a block right after a scrape is in the next window", async () => {
  // The sampler is a timer: waiting for its ticks is what is under test.
  const s = new LoopLagSampler(10);
  await sleep(50);
  s.take();
  const t = performance.now();
  while (performance.now() - t < 300); // blocks before the sampler's next tick
  await sleep(50); // the timer fires (late) and records the block
  const r = s.take();
  assert.ok(r.max >= 0.28 && r.max < 2, `max ${r.max}`);
});
