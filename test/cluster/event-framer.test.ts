// Outgoing events as wire images (src/cluster/event-framer.ts): every message must be byte for
// byte the 4-part message libzmq would frame, whatever the payload size, across slab chunks,
// and untouched by later messages or aborted ones.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EventFramer } from "../../src/cluster/event-framer.js";
import { encodeFrame } from "../../src/transport/frame.js";
import type { PackedMessage } from "../../src/transport/packed.js";

const ID = Buffer.from("zeromq_worker-1_host_4242_abcd");
const FORMAT = Buffer.from("broker-bin-v1");

/** The message as libzmq frames it: short headers up to 255 bytes, MORE on all but the last. */
const canonical = (parts: Buffer[]): Buffer => Buffer.concat(parts.map((p, i) => encodeFrame(p, i < parts.length - 1)));
const wireOf = (m: PackedMessage): Buffer => m.buf.subarray(m.wireStart, m.spans[m.spans.length - 1]);

describe("EventFramer", () => {
  test("payloads of every header size frame exactly as libzmq, and stay intact across slab chunks", () => {
    const f = new EventFramer(ID, FORMAT);
    const sizes = [0, 1, 255, 256, 300, 70_000, 2];
    const built: [PackedMessage, Buffer[]][] = [];
    // 3000 messages: the 64 KiB slab fills many times, some messages move to a new chunk mid-write.
    for (let i = 0; i < 3000; i++) {
      const topic = `zeek.cluster.node.w${i % 3}.`;
      const payload = Buffer.alloc(sizes[i % sizes.length]!, i & 0xff);
      f.begin(topic);
      f.w.bytes(payload);
      built.push([f.end(), [Buffer.from(topic), ID, FORMAT, payload]]);
      if (i % 7 === 0) {
        // An encoding error midway: nothing of it may show in any message.
        f.begin("zeek.aborted.");
        f.w.bytes(Buffer.alloc(40, 0xee));
        f.abort();
      }
    }
    for (const [m, parts] of built) {
      assert.deepEqual(wireOf(m), canonical(parts));
      assert.deepEqual(m.frames(), parts);
    }
  });
});
