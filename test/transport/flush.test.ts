// The flush writers (src/transport/flush.ts) byte for byte: whatever mix of messages is queued
// (small, long and zero-copy frames, arrays and PackedMessages, more than one batch), the bytes
// a real TCP peer receives are exactly the ZMTP frames of those messages in order (plaintext),
// or exactly one CURVE MESSAGE per frame, opened by the peer's codec (sealed).
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, connect, type Socket } from "node:net";
import { test } from "node:test";
import { EventFramer } from "../../src/cluster/event-framer.js";
import { curveKeyPairRaw, curveMechanism, loadSodium } from "../../src/transport/curve.js";
import { flushPlain, flushSealed } from "../../src/transport/flush.js";
import { FLAG_LONG, FrameParser, encodeFrame } from "../../src/transport/frame.js";
import { type FrameCodec, type MechanismSession, WRAP_MORE } from "../../src/transport/mechanism.js";
import { PackedMessage } from "../../src/transport/packed.js";
import { Queue, type OutgoingMessage, toOutgoing } from "../../src/transport/queue.js";

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

/** A connected pair of TCP sockets on 127.0.0.1: `client` writes, `chunks` collects what `peer` reads. */
async function tcpPair(t: { after: (fn: () => void) => void }): Promise<{ client: Socket; peer: Socket; chunks: Buffer[] }> {
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
  return { client, peer, chunks };
}

test("flushPlain - a real peer receives exactly the ZMTP frames of the queued messages, in order", async (t) => {
  const { client, peer, chunks } = await tcpPair(t);

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

/** Runs a CURVE handshake between a client and a server session in memory; returns both codecs. */
async function curvePair(): Promise<{ client: FrameCodec; server: FrameCodec }> {
  await loadSodium();
  const S = curveKeyPairRaw();
  const C = curveKeyPairRaw();
  const props = [["Socket-Type", Buffer.from("PUSH")]] as const;
  const c = curveMechanism({ client: { serverKey: S.publicKey, ...C } }).session(props, false);
  const s = curveMechanism({ server: { ...S, allowedClients: [C.publicKey] } }).session(props, true);
  // Each side's commands go through the real frame parser to the other, until both are done.
  const deliver = (frames: Buffer[], to: MechanismSession): Buffer[] => {
    const out: Buffer[] = [];
    const parser = new FrameParser();
    parser.handshaking = true;
    for (const f of frames)
      parser.feed(f, {
        onCommand: (name, data) => void out.push(...to.onCommand(name, data).send),
        onMessage: () => assert.fail("data frame during the handshake"),
      });
    return out;
  };
  let toServer = c.start();
  for (let i = 0; i < 4 && (c.codec === null || s.codec === null); i++) toServer = deliver(deliver(toServer, s), c);
  assert.ok(c.codec !== null && s.codec !== null, "handshake completed");
  return { client: c.codec, server: s.codec };
}

test("flushSealed - a real peer receives one CURVE MESSAGE per frame, consecutive nonces, MORE inside the box, payloads in order", async (t) => {
  const { client: codec, server: peerCodec } = await curvePair();
  const { client, peer, chunks } = await tcpPair(t);

  const msgs = messages();
  const q = new Queue<OutgoingMessage>();
  const framer = new EventFramer(Buffer.from("zeromq_node_1"), Buffer.from("broker-bin-v1"));
  msgs.forEach((m, i) => {
    if (i % 4 === 0) q.push(m);
    else if (i % 4 === 1) q.push(PackedMessage.of(m));
    else if (i % 4 === 2) {
      framer.begin(m[0]!.toString());
      framer.w.bytes(m[1]!);
      q.push(framer.end());
      msgs[i] = [m[0]!, Buffer.from("zeromq_node_1"), Buffer.from("broker-bin-v1"), m[1]!];
    } else q.push(toOutgoing([m[0]!.toString(), ...m.slice(1)])); // a string frame, as send() queues it
  });
  const totalBytes = msgs.reduce((n, m) => n + m.reduce((k, f) => k + f.length, 0), 0);
  assert.ok(totalBytes > 2 * 256 * 1024, "more than one batch");
  flushSealed(codec, q, client);
  while (q.length > 0) {
    await once(client, "drain");
    flushSealed(codec, q, client);
  }
  client.end();
  await once(peer, "end");

  // Parse the stream as ZMTP frames by hand (not with the parser under test elsewhere).
  const got = Buffer.concat(chunks);
  let pos = 0;
  let expectNonce = -1;
  for (let mi = 0; mi < msgs.length; mi++) {
    const m = msgs[mi]!;
    for (let fi = 0; fi < m.length; fi++) {
      const where = `message ${mi} frame ${fi}`;
      assert.ok(pos + 2 <= got.length, `${where}: stream ended early`);
      const flags = got[pos]!;
      const long = (flags & FLAG_LONG) !== 0;
      const size = long ? Number(got.readBigUInt64BE(pos + 1)) : got[pos + 1]!;
      // Outer flags: no MORE, no COMMAND; the long form exactly when the body needs it.
      assert.equal(flags, size > 255 ? FLAG_LONG : 0, `${where}: outer flags`);
      pos += long ? 9 : 2;
      const body = got.subarray(pos, pos + size);
      assert.equal(body.length, size, `${where}: truncated body`);
      pos += size;
      assert.equal(size, m[fi]!.length + codec.overhead, `${where}: body size`);
      assert.equal(body.subarray(0, 8).toString("latin1"), "\x07MESSAGE", `${where}: command name`);
      const nonce = Number(body.readBigUInt64BE(8));
      if (expectNonce < 0) expectNonce = nonce;
      assert.equal(nonce, expectNonce++, `${where}: short nonce`);
      const plain = peerCodec.open(body, 8);
      assert.equal(plain[0], fi < m.length - 1 ? WRAP_MORE : 0, `${where}: inner flags`);
      assert.ok(plain.subarray(1).equals(m[fi]!), `${where}: payload`);
    }
  }
  assert.equal(pos, got.length, "nothing after the last frame");
});
