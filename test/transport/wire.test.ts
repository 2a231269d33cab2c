// Wire-level behaviour against exact bytes (wire.md §1): greeting, READY, the pipelining rule,
// subscriptions in both forms, PING/PONG, heartbeat timeouts, and hostile peers.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as zmq from "zeromq";
import { DecodeError } from "../../src/errors.js";
import { HandshakeError, Pull, Push, XPub, XSub } from "../../src/transport/index.js";
import { Rng } from "../fuzz/harness.js";
import { event, hex, take, until } from "./helpers.js";
import { NULL_GREETING, READY, RawPeer, h } from "./raw.js";

describe("handshake bytes", () => {
  test("we send libzmq's exact greeting and READY, and nothing more before the peer's READY", async () => {
    const xsub = new XSub();
    xsub.send([Buffer.from("\x01zeek.cluster.manager")]);
    const { endpoint, server, peer } = await RawPeer.listen();
    try {
      xsub.connect(endpoint);
      const raw = await peer;
      raw.sock.write(NULL_GREETING);
      const got = await raw.bytes(64 + 28);
      assert.deepEqual(hex([got.subarray(0, 64)]), hex([NULL_GREETING]));
      assert.deepEqual(hex([got.subarray(64)]), hex([READY("XSUB")]));
      // Only after our READY arrives may the replayed SUBSCRIBE follow (wire.md §1.4.1).
      raw.sock.write(READY("XPUB"));
      const all = await raw.bytes(64 + 28 + 32);
      assert.deepEqual(hex([all.subarray(92)]), hex([Buffer.concat([h("04 1e 09 53 55 42 53 43 52 49 42 45"), Buffer.from("zeek.cluster.manager")])]));
    } finally {
      await xsub.close();
      server.close();
    }
  });

  test("a greeting and READY arriving one byte at a time (slow peer) still complete", async () => {
    const pull = new Pull();
    const raw = await RawPeer.connect(await pull.bind("tcp://127.0.0.1:0"));
    try {
      const bytes = Buffer.concat([NULL_GREETING, READY("PUSH"), h("01 00 00 03 61 62 63")]);
      for (const b of bytes) {
        raw.sock.write(Buffer.of(b));
        await new Promise((r) => setImmediate(r));
      }
      assert.deepEqual((await take(pull, 1)).map(hex), [hex([Buffer.alloc(0), Buffer.from("abc")])]);
    } finally {
      raw.sock.destroy();
      await pull.close();
    }
  });

  test("XPUB takes subscriptions as SUBSCRIBE/CANCEL commands and as 01/00 data frames", async () => {
    const xpub = new XPub({ verboser: true });
    const raw = await RawPeer.connect(await xpub.bind("tcp://127.0.0.1:0"));
    try {
      raw.sock.write(Buffer.concat([NULL_GREETING, READY("XSUB")]));
      await raw.bytes(64 + 28);
      raw.sock.write(Buffer.concat([h("04 0b 09 53 55 42 53 43 52 49 42 45 61"), h("00 02 01 62"), h("04 08 06 43 41 4e 43 45 4c 62"), h("00 02 00 61")]));
      assert.deepEqual((await take(xpub, 4)).map(hex), [["0161"], ["0162"], ["0062"], ["0061"]]);
    } finally {
      raw.sock.destroy();
      await xpub.close();
    }
  });

  test("PING is answered with PONG echoing the context (libzmq's verified bytes)", async () => {
    const pull = new Pull();
    const raw = await RawPeer.connect(await pull.bind("tcp://127.0.0.1:0"));
    try {
      raw.sock.write(Buffer.concat([NULL_GREETING, READY("PUSH"), h("04 0d 04 50 49 4e 47 00 00 63 74 78 31 32 33")]));
      const got = await raw.bytes(64 + 28 + 13);
      assert.deepEqual(hex([got.subarray(92)]), hex([h("04 0b 04 50 4f 4e 47 63 74 78 31 32 33")]));
    } finally {
      raw.sock.destroy();
      await pull.close();
    }
  });
});

describe("heartbeats", () => {
  test("a silently dead peer is detected by the heartbeat timeout", async () => {
    const { endpoint, server, peer } = await RawPeer.listen();
    const xsub = new XSub({ heartbeatInterval: 50, heartbeatTimeout: 150, heartbeatTtl: 1000 });
    try {
      xsub.connect(endpoint);
      const raw = await peer;
      raw.sock.write(Buffer.concat([NULL_GREETING, READY("XPUB")]));
      const ev = await event<{ error?: Error }>(xsub, "disconnected", 3000);
      assert.ok(ev.error instanceof HandshakeError && ev.error.reason === "timeout", String(ev.error));
      // It did PING first, with TTL 1000 ms = 10 deciseconds.
      assert.ok(raw.received.includes(h("04 07 04 50 49 4e 47 00 0a")), "PING with TTL 10 sent");
    } finally {
      await xsub.close();
      server.close();
    }
  });

  test("a peer's PING TTL: silence for longer drops the connection", async () => {
    const pull = new Pull();
    const raw = await RawPeer.connect(await pull.bind("tcp://127.0.0.1:0"));
    try {
      // TTL 1 = 100 ms, then nothing.
      raw.sock.write(Buffer.concat([NULL_GREETING, READY("PUSH"), h("04 07 04 50 49 4e 47 00 01")]));
      const ev = await event<{ error?: Error }>(pull, "disconnected", 3000);
      assert.ok(ev.error instanceof HandshakeError && ev.error.reason === "timeout", String(ev.error));
      await raw.closed();
    } finally {
      await pull.close();
    }
  });

  test("libzmq answers our PINGs: the connection outlives many heartbeat timeouts", async () => {
    const z = new zmq.Pull({ linger: 0, receiveTimeout: 5000 });
    await z.bind("tcp://127.0.0.1:*");
    const push = new Push({ heartbeatInterval: 40, heartbeatTimeout: 200 });
    let lost = false;
    push.on("disconnected", () => (lost = true));
    try {
      push.connect(z.lastEndpoint!);
      await event(push, "handshake");
      // Four timeout periods with PINGs in flight; a missing PONG would have closed the connection.
      await new Promise((r) => setTimeout(r, 800));
      assert.equal(lost, false);
      push.send([Buffer.from("still here")]);
      assert.equal((await z.receive())[0]!.toString(), "still here");
    } finally {
      z.close();
      await push.close();
    }
  });
});

describe("hostile peers", () => {
  async function refused(bytes: Buffer, opts = {}): Promise<Error> {
    const pull = new Pull(opts);
    const raw = await RawPeer.connect(await pull.bind("tcp://127.0.0.1:0"));
    try {
      const ev = event<{ error: Error }>(pull, "handshake:error");
      raw.sock.write(bytes);
      const { error } = await ev;
      await raw.closed();
      return error;
    } finally {
      raw.sock.destroy();
      await pull.close();
    }
  }

  test("not ZMTP at all (an HTTP request)", async () => {
    const err = await refused(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert.ok(err instanceof DecodeError);
  });

  test("ZMTP 2.0 peer", async () => {
    const g = Buffer.from(NULL_GREETING);
    g[10] = 1;
    assert.match((await refused(g)).message, /major version 1/);
  });

  test("mechanism mismatch (PLAIN)", async () => {
    const g = Buffer.from(NULL_GREETING);
    g.write("PLAIN", 12, "latin1");
    const err = await refused(g);
    assert.ok(err instanceof HandshakeError && err.reason === "mechanism-mismatch");
  });

  test("data before READY", async () => {
    const err = await refused(Buffer.concat([NULL_GREETING, h("00 01 61")]));
    assert.ok(err instanceof DecodeError && err.code === "invalid", String(err));
  });

  test("a READY whose property runs past the command", async () => {
    const err = await refused(Buffer.concat([NULL_GREETING, h("04 0a 05 52 45 41 44 59 0b 53 6f 63")]));
    assert.ok(err instanceof DecodeError && err.code === "truncated");
  });

  test("a huge command before the handshake is refused at its header", async () => {
    const err = await refused(Buffer.concat([NULL_GREETING, h("06 00 00 00 00 40 00 00 00")]));
    assert.ok(err instanceof DecodeError && err.code === "too-large", String(err));
  });

  test("silence: the handshake interval expires", async () => {
    const err = await refused(Buffer.alloc(0), { handshakeInterval: 100 });
    assert.ok(err instanceof HandshakeError && err.reason === "timeout");
  });

  test("a bogus 2^64-1 frame length is refused without allocating", async () => {
    const pull = new Pull();
    const raw = await RawPeer.connect(await pull.bind("tcp://127.0.0.1:0"));
    try {
      raw.sock.write(Buffer.concat([NULL_GREETING, READY("PUSH"), h("02 ff ff ff ff ff ff ff ff")]));
      const ev = await event<{ error?: Error }>(pull, "disconnected");
      assert.ok(ev.error instanceof DecodeError && ev.error.code === "too-large");
    } finally {
      raw.sock.destroy();
      await pull.close();
    }
  });

  test("a huge declared frame only holds the bytes that arrived (bounded by maxMessageSize)", async () => {
    const pull = new Pull({ maxMessageSize: 1 << 20 });
    const raw = await RawPeer.connect(await pull.bind("tcp://127.0.0.1:0"));
    try {
      raw.sock.write(Buffer.concat([NULL_GREETING, READY("PUSH"), h("02 00 00 00 00 00 20 00 00")]));
      const ev = await event<{ error?: Error }>(pull, "disconnected");
      assert.ok(ev.error instanceof DecodeError && ev.error.code === "too-large");
      await until(() => raw.sock.destroyed || raw.sock.readableEnded, "the peer to be dropped");
    } finally {
      raw.sock.destroy();
      await pull.close();
    }
  });
});

describe("ZMTP 3.0 peers, several endpoints, reconnect backoff, abort", () => {
  test("a ZMTP 3.0 peer gets subscriptions as 01+topic data frames, never commands", async () => {
    const xsub = new XSub();
    xsub.send([Buffer.from("\x01t")]);
    const { endpoint, server, peer } = await RawPeer.listen();
    try {
      xsub.connect(endpoint);
      const raw = await peer;
      const g30 = Buffer.from(NULL_GREETING);
      g30[11] = 0;
      raw.sock.write(Buffer.concat([g30, READY("XPUB")]));
      const got = await raw.bytes(64 + 28 + 4);
      assert.deepEqual(hex([got.subarray(92)]), hex([h("00 02 01 74")]));
    } finally {
      await xsub.close();
      server.close();
    }
  });

  test("one PULL bound to two endpoints receives from a PUSH connected to both", async () => {
    const pull = new Pull();
    const push = new Push({ immediate: true });
    try {
      const eps = [await pull.bind("tcp://127.0.0.1:0"), await pull.bind("tcp://127.0.0.1:0")];
      let n = 0;
      const both = new Promise((r) => push.on("handshake", () => ++n === 2 && r(0)));
      for (const ep of eps) push.connect(ep);
      await both;
      for (let i = 0; i < 4; i++) assert.equal(push.send([Buffer.from(String(i))]), true);
      assert.deepEqual((await take(pull, 4)).map((m) => m[0]!.toString()).sort(), ["0", "1", "2", "3"]);
    } finally {
      await Promise.all([push.close(), pull.close()]);
    }
  });

  test("reconnect delays double up to reconnectIntervalMax", async () => {
    const gone = new Pull();
    const ep = await gone.bind("tcp://127.0.0.1:0");
    await gone.close();
    const xsub = new XSub({ reconnectInterval: 5, reconnectIntervalMax: 40 });
    const delays: number[] = [];
    try {
      const five = new Promise((r) => xsub.on("connect:retry", ({ delayMs }) => delays.push(delayMs) === 5 && r(0)));
      xsub.connect(ep);
      await five;
      assert.deepEqual(delays, [5, 10, 20, 40, 40]);
    } finally {
      await xsub.close();
    }
  });

  test("batches() hands over up to N messages per turn and ends on abort", async () => {
    const pull = new Pull();
    const z = new zmq.Push({ linger: 0 });
    const ac = new AbortController();
    try {
      z.connect(await pull.bind("tcp://127.0.0.1:0"));
      for (let i = 0; i < 10; i++) await z.send([Buffer.from(String(i))]);
      await until(() => pull.pending === 10, "10 queued messages");
      const sizes: number[] = [];
      for await (const batch of pull.batches(4, ac.signal)) {
        sizes.push(batch.length);
        if (sizes.reduce((a, b) => a + b) === 10) ac.abort();
      }
      assert.deepEqual(sizes, [4, 4, 2]);
    } finally {
      z.close();
      await pull.close();
    }
  });
});

describe("XPUB subscription bookkeeping (libzmq XSUB peers)", () => {
  async function peers(xpub: XPub, n: number): Promise<zmq.XSubscriber[]> {
    const ep = await xpub.bind("tcp://127.0.0.1:0");
    let shook = 0;
    const all = new Promise((r) => xpub.on("handshake", () => ++shook === n && r(0)));
    const subs = Array.from({ length: n }, () => new zmq.XSubscriber({ linger: 0 }));
    for (const s of subs) s.connect(ep);
    await all;
    return subs;
  }

  test("plain XPUB: first subscribe and last cancel only; a lost peer's topics are cancelled", async () => {
    const xpub = new XPub();
    const [a, b] = await peers(xpub, 2);
    try {
      await a!.send(Buffer.from("\x01t"));
      assert.deepEqual((await take(xpub, 1)).map(hex), [["0174"]]);
      await b!.send(Buffer.from("\x01t"));
      await b!.send(Buffer.from("\x01u"));
      // b's duplicate "t" is not announced; its "u" is.
      assert.deepEqual((await take(xpub, 1)).map(hex), [["0175"]]);
      await a!.send(Buffer.from("\x00t"));
      b!.close();
      // a's cancel is silent (b still holds t); b's loss cancels t and u, sorted.
      assert.deepEqual((await take(xpub, 2)).map(hex), [["0074"], ["0075"]]);
    } finally {
      a!.close();
      await xpub.close();
    }
  });

  test("verboser XPUB: every subscribe and cancel is delivered", async () => {
    const xpub = new XPub({ verboser: true });
    const [a, b] = await peers(xpub, 2);
    try {
      await a!.send(Buffer.from("\x01t"));
      assert.deepEqual((await take(xpub, 1)).map(hex), [["0174"]]);
      await b!.send(Buffer.from("\x01t"));
      assert.deepEqual((await take(xpub, 1)).map(hex), [["0174"]]);
      await a!.send(Buffer.from("\x00t"));
      assert.deepEqual((await take(xpub, 1)).map(hex), [["0074"]]);
    } finally {
      a!.close();
      b!.close();
      await xpub.close();
    }
  });

  test("a reused topic buffer is matched by content, not identity", async () => {
    const xpub = new XPub();
    const [a, b] = await peers(xpub, 2);
    a!.receiveTimeout = 5000;
    b!.receiveTimeout = 5000;
    try {
      await a!.send(Buffer.from("\x01a"));
      await b!.send(Buffer.from("\x01b"));
      await take(xpub, 2);
      const topic = Buffer.from("a");
      xpub.send([topic, Buffer.from("1")]);
      // Frames are queued by reference: reuse the buffer only once the message is out.
      assert.deepEqual((await a!.receive()).map(String), ["a", "1"]);
      topic[0] = 0x62; // "b"
      xpub.send([topic, Buffer.from("2")]);
      assert.deepEqual((await b!.receive()).map(String), ["b", "2"]);
    } finally {
      a!.close();
      b!.close();
      await xpub.close();
    }
  });
});

describe("live handshake fuzz", () => {
  test("300 hostile connections (mutated greeting/READY/frames, random chunking) never break the socket", async () => {
    const rng = new Rng(42);
    const pull = new Pull({ maxMessageSize: 64 * 1024, handshakeInterval: 2000 });
    const ep = await pull.bind("tcp://127.0.0.1:0");
    const valid = Buffer.concat([NULL_GREETING, READY("PUSH"), h("01 01 61 00 02 62 63"), h("02 00 00 00 00 00 00 00 01 7a")]);
    try {
      for (let round = 0; round < 30; round++) {
        await Promise.all(
          Array.from({ length: 10 }, async () => {
            const bytes = Buffer.from(valid);
            for (let k = 1 + rng.below(4); k > 0; k--) {
              const at = rng.below(bytes.length);
              bytes[at] = rng.below(3) === 0 ? 0xff : rng.below(256);
            }
            const raw = await RawPeer.connect(ep);
            for (let pos = 0; pos < bytes.length;) {
              const n = 1 + rng.below(40);
              raw.sock.write(bytes.subarray(pos, pos + n));
              pos += n;
            }
            raw.sock.end();
            await raw.closed();
          }),
        );
      }
      // Whatever got through is bounded; the socket still serves a well-behaved libzmq peer.
      pull.receiveAvailable();
      const z = new zmq.Push({ linger: 0 });
      try {
        z.connect(ep);
        await z.send([Buffer.from("after the storm")]);
        const got = await take(pull, 1);
        assert.equal(got[0]![0]!.toString(), "after the storm");
      } finally {
        z.close();
      }
    } finally {
      await pull.close();
    }
  });
});
