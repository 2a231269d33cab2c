// The plaintext flush writer (src/transport/flush.ts) byte for byte: whatever mix of messages is
// queued (small, long and zero-copy frames, arrays and PackedMessages, more than one batch), the
// bytes a real TCP peer receives are exactly the ZMTP frames of those messages in order.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, connect, type Socket } from "node:net";
import { test } from "node:test";
import { EventFramer } from "../../src/cluster/event-framer.js";
import { flushPlain } from "../../src/transport/flush.js";
import { encodeFrame } from "../../src/transport/frame.js";
import { PackedMessage } from "../../src/transport/packed.js";
import { Queue, type OutgoingMessage } from "../../src/transport/queue.js";

function messages(): Buffer[][] {
  const out: Buffer[][] = [];
  const sizes = [0, 1, 31, 32, 255, 256, 16 * 1024 - 1, 16 * 1024, 70_000];
  for (let i = 0; i < 400; i++) {
    const frames = [Buffer.from(`topic.${i % 7}`), Buffer.alloc(sizes[i % sizes.length]!, i & 0xff)];
    if (i % 3 === 0) frames.push(Buffer.alloc(sizes[(i * 5) % sizes.length]!, 0x55));
    out.push(frames);
  }
  return out;
}

test("flushPlain - a real peer receives exactly the ZMTP frames of the queued messages, in order", async (t) => {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => server.close());
  const accepted = once(server, "connection") as Promise<[Socket]>;
  const client = connect((server.address() as { port: number }).port, "127.0.0.1");
  await once(client, "connect");
  const [peer] = await accepted;
  const chunks: Buffer[] = [];
  peer.on("data", (c: Buffer) => chunks.push(c));

  const msgs = messages();
  const q = new Queue<OutgoingMessage>();
  // Frame arrays, PackedMessages of spans (as received), and wire images (as a node publishes).
  const framer = new EventFramer(Buffer.from("zeromq_node_1"), Buffer.from("broker-bin-v1"));
  msgs.forEach((m, i) => {
    if (i % 3 === 0) q.push(m);
    else if (i % 3 === 1) q.push(PackedMessage.of(m));
    else {
      framer.begin(m[0]!.toString());
      framer.w.bytes(m[1]!);
      q.push(framer.end());
      msgs[i] = [m[0]!, Buffer.from("zeromq_node_1"), Buffer.from("broker-bin-v1"), m[1]!];
    }
  });
  flushPlain(q, client);
  while (q.length > 0) {
    await once(client, "drain");
    flushPlain(q, client);
  }
  client.end();
  await once(peer, "end");
  const expected = Buffer.concat(msgs.flatMap((m) => m.map((f, i) => encodeFrame(f, i < m.length - 1))));
  const got = Buffer.concat(chunks);
  assert.equal(got.length, expected.length);
  assert.ok(got.equals(expected), "byte-exact");
});
