// The onloop queue's byte bound (onloop_queue_max_bytes) on top of its message counts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { OnLoopQueue } from "../../src/cluster/onloop.js";
import { until } from "../harness/until.js";

test("onloop - with an HWM, items beyond onloop_queue_max_bytes are refused as 'bytes', and room comes back as they are handled", async () => {
  const handled: number[] = [];
  const q = new OnLoopQueue<number>({ hwm: 100, pollMaxMessages: 10, maxBytes: 1000, sizeOf: (n) => n }, (n) => void handled.push(n), () => undefined);
  assert.equal(q.push(600), true);
  assert.equal(q.push(300), true);
  assert.equal(q.push(200), "bytes"); // 1100 > 1000
  assert.equal(q.push(100), true); // exactly 1000
  assert.equal(q.bytes, 1000);
  q.schedule();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(handled, [600, 300, 100]);
  assert.equal(q.bytes, 0);
  // One item larger than the bound is taken when the queue is empty (never refused forever).
  assert.equal(q.push(5000), true);
  assert.equal(q.push(1), "bytes");
  // The message count still applies.
  const small = new OnLoopQueue<number>({ hwm: 2, pollMaxMessages: 10, maxBytes: 1000, sizeOf: (n) => n }, () => undefined, () => undefined);
  assert.equal(small.push(1), true);
  assert.equal(small.push(1), true);
  assert.equal(small.push(1), "hwm");
});

test("onloop - without an HWM nothing is dropped: over onloop_queue_max_bytes the reader gets no room (backpressure)", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const q = new OnLoopQueue<number>({ hwm: 0, pollMaxMessages: 10, maxBytes: 1000, sizeOf: (n) => n }, () => gate, () => undefined);
  assert.ok(q.room() > 0);
  assert.equal(q.push(700), true);
  assert.equal(q.push(700), true); // what the reader took is queued, never dropped
  assert.equal(q.room(), 0);
  q.schedule();
  release();
  // The reader awaits the gate, then the second item: drained once both ran.
  assert.equal(await until("the queue drained", () => q.bytes, (b) => b === 0, 5000), 0);
  assert.ok(q.room() > 0);
  // maxBytes 0: no byte bound.
  const unbounded = new OnLoopQueue<number>({ hwm: 10, pollMaxMessages: 10, maxBytes: 0, sizeOf: (n) => n }, () => undefined, () => undefined);
  assert.equal(unbounded.push(1e9), true);
  assert.equal(unbounded.push(1e9), true);
  assert.equal(unbounded.bytes, 0);
});
