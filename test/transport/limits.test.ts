// Hostile connections cannot exhaust memory or lock out real peers (issue item 4): a flood of
// idle connections, a greeting that never finishes, a handshake that never ends, huge frame
// announcements, a connection cap. And close() with linger delivers to an endpoint that
// comes up late, as libzmq does.
import assert from "node:assert/strict";
import { type Socket, connect } from "node:net";
import { describe, test } from "node:test";
import * as zmq from "zeromq";
import { HandshakeError, Pull, Push } from "../../src/transport/index.js";
import { event, take, until } from "./helpers.js";
import { NULL_GREETING, READY, RawPeer, h } from "./raw.js";

type HsError = { error: Error };
const port = (ep: string): number => Number(/:(\d+)$/.exec(ep)![1]);

function open(ep: string, n: number): Promise<Socket[]> {
  return Promise.all(
    Array.from({ length: n }, () => {
      const s = connect({ host: "127.0.0.1", port: port(ep) });
      s.on("error", () => {});
      return new Promise<Socket>((r) => s.once("connect", () => r(s)));
    }),
  );
}

async function libzmqDelivers(pull: Pull, ep: string, text: string): Promise<void> {
  const push = new zmq.Push({ linger: 0 });
  try {
    push.connect(ep);
    await push.send(text);
    assert.equal((await take(pull, 1))[0]![0]!.toString(), text);
  } finally {
    push.close();
  }
}

describe("connection limits", () => {
  test("2000 idle connections evict each other, not a libzmq peer that completes its handshake", async () => {
    const pull = new Pull({ maxPendingHandshakes: 500 });
    let evicted = 0;
    pull.on("handshake:error", (e) => {
      if (e.error instanceof HandshakeError && e.error.reason === "limit") evicted++;
    });
    const ep = await pull.bind("tcp://127.0.0.1:0");
    let idle: Socket[] = [];
    try {
      for (let i = 0; i < 4; i++) idle = idle.concat(await open(ep, 500));
      await until(() => evicted >= 1500, "evictions of the oldest idle connections");
      await libzmqDelivers(pull, ep, "served");
    } finally {
      for (const s of idle) s.destroy();
      await pull.close();
    }
  });

  test("maxConnections refuses connections beyond the cap at once", async () => {
    const pull = new Pull({ maxConnections: 3 });
    const ep = await pull.bind("tcp://127.0.0.1:0");
    const refused = event<HsError>(pull, "handshake:error");
    const socks = await open(ep, 4);
    try {
      const e = await refused;
      assert.ok(e.error instanceof HandshakeError && e.error.reason === "limit");
      assert.match(e.error.message, /maxConnections/);
    } finally {
      for (const s of socks) s.destroy();
      await pull.close();
    }
  });

  test("a greeting that never finishes times out while a libzmq peer is served", async () => {
    const pull = new Pull({ handshakeInterval: 200 });
    const ep = await pull.bind("tcp://127.0.0.1:0");
    const raw = await RawPeer.connect(ep);
    try {
      const err = event<HsError>(pull, "handshake:error");
      raw.sock.write(NULL_GREETING.subarray(0, 5));
      await libzmqDelivers(pull, ep, "not stalled");
      const e = await err;
      assert.ok(e.error instanceof HandshakeError && e.error.reason === "timeout");
      await raw.closed();
    } finally {
      raw.sock.destroy();
      await pull.close();
    }
  });

  test("a handshake that streams bytes without end is cut at maxHandshakeBytes", async () => {
    const pull = new Pull({ maxHandshakeBytes: 4096 });
    const ep = await pull.bind("tcp://127.0.0.1:0");
    const raw = await RawPeer.connect(ep);
    try {
      const err = event<HsError>(pull, "handshake:error");
      // A 1 MB command (allowed size) whose body trickles in: never a complete handshake.
      raw.sock.write(Buffer.concat([NULL_GREETING, h("06 00 00 00 00 00 10 00 00 05"), Buffer.from("READY"), Buffer.alloc(8192)]));
      const e = await err;
      assert.ok(e.error instanceof HandshakeError && e.error.reason === "limit", String(e.error));
      await raw.closed();
    } finally {
      raw.sock.destroy();
      await pull.close();
    }
  });

  test("a command announcing 2^40 bytes is refused on its header, before any allocation", async () => {
    const pull = new Pull();
    const ep = await pull.bind("tcp://127.0.0.1:0");
    const raw = await RawPeer.connect(ep);
    try {
      const hs = event(pull, "handshake");
      raw.sock.write(Buffer.concat([NULL_GREETING, READY("PUSH")]));
      await hs;
      const gone = event<{ error?: Error }>(pull, "disconnected");
      raw.sock.write(h("06 00 00 01 00 00 00 00 00"));
      assert.match(String((await gone).error), /exceeds/);
    } finally {
      raw.sock.destroy();
      await pull.close();
    }
  });
});

describe("close() with linger on a connect endpoint that is not up yet", () => {
  test("queued messages are delivered when the peer binds within linger", async () => {
    // A free port: bind, note it, release it.
    const probe = new Pull();
    const ep = await probe.bind("tcp://127.0.0.1:0");
    await probe.close();
    const push = new Push({ linger: 3000, reconnectInterval: 20 });
    push.connect(ep);
    assert.equal(push.send([Buffer.from("late")]), true);
    const closing = push.close();
    const pull = new Pull();
    try {
      await pull.bind(ep);
      assert.equal((await take(pull, 1))[0]![0]!.toString(), "late");
      await closing;
    } finally {
      await pull.close();
    }
  });

  test("with linger elapsed and nobody listening, close() still resolves", async () => {
    const probe = new Pull();
    const ep = await probe.bind("tcp://127.0.0.1:0");
    await probe.close();
    const push = new Push({ linger: 100, reconnectInterval: 20 });
    push.connect(ep);
    push.send([Buffer.from("lost")]);
    const t0 = performance.now();
    await push.close();
    assert.ok(performance.now() - t0 >= 90);
  });
});
