// libzmq socket semantics checked against libzmq peers: HWM and nodrop, PUSH round-robin and
// `immediate`, PULL fair-queueing and receive backpressure, reconnect after a peer restart,
// linger, maximum message size, IPv6, IPC and refused socket types.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import * as zmq from "zeromq";
import { ConfigError, DecodeError } from "../../src/errors.js";
import { HandshakeError, Pull, Push, XPub, XSub } from "../../src/transport/index.js";
import { WAIT_MS, event, hex, take, until } from "./helpers.js";

const ropts = { linger: 0, receiveTimeout: WAIT_MS };

describe("send HWM and nodrop", () => {
  test("XPUB nodrop: send() reports would-block at the HWM, then 'drain' once the peer reads", async () => {
    const xpub = new XPub({ noDrop: true, sendHighWaterMark: 10 });
    const z = new zmq.XSubscriber({ ...ropts, receiveHighWaterMark: 10 });
    try {
      z.connect(await xpub.bind("tcp://127.0.0.1:0"));
      await z.send(Buffer.from("\x01t"));
      await take(xpub, 1);
      const big = Buffer.alloc(64 * 1024, 1);
      let sent = 0;
      while (xpub.send([Buffer.from("t"), big])) sent++;
      // Kernel buffers and libzmq's own queue absorb some; ours holds exactly the HWM more.
      assert.ok(sent >= 10 && sent < 2000, `sent ${sent}`);
      assert.equal(xpub.send([Buffer.from("t"), big]), false);
      const drained = event(xpub, "drain");
      for (let i = 0; i < sent; i++) assert.equal((await z.receive())[1]!.length, big.length);
      await drained;
      assert.equal(xpub.send([Buffer.from("t"), Buffer.from("after")]), true);
      assert.equal((await z.receive())[1]!.toString(), "after");
    } finally {
      z.close();
      await xpub.close();
    }
  });

  test("XPUB without nodrop drops silently for a full peer and counts it", async () => {
    const xpub = new XPub({ sendHighWaterMark: 5 });
    const z = new zmq.XSubscriber({ ...ropts, receiveHighWaterMark: 5 });
    try {
      z.connect(await xpub.bind("tcp://127.0.0.1:0"));
      await z.send(Buffer.from("\x01t"));
      await take(xpub, 1);
      const big = Buffer.alloc(64 * 1024, 1);
      for (let i = 0; i < 500; i++) assert.equal(xpub.send([Buffer.from("t"), big]), true);
      assert.ok(xpub.drops > 0, "some messages were dropped at the HWM");
    } finally {
      z.close();
      await xpub.close();
    }
  });

  test("PUSH: would block once every peer is at its HWM (endpoint down, immediate off)", async () => {
    const push = new Push({ sendHighWaterMark: 5, linger: 0 });
    const dead = new Pull();
    const ep = await dead.bind("tcp://127.0.0.1:0");
    await dead.close(); // nothing listens there any more
    try {
      push.connect(ep);
      for (let i = 0; i < 5; i++) assert.equal(push.send([Buffer.from(String(i))]), true);
      assert.equal(push.send([Buffer.from("6")]), false);
    } finally {
      await push.close();
    }
  });
});

describe("PUSH / PULL distribution", () => {
  async function twoEndpoints(immediate: boolean): Promise<string[]> {
    const live = new zmq.Pull(ropts);
    await live.bind("tcp://127.0.0.1:*");
    const gone = new Pull();
    const deadEp = await gone.bind("tcp://127.0.0.1:0");
    await gone.close();
    const push = new Push({ immediate, linger: 0 });
    try {
      push.connect(live.lastEndpoint!);
      push.connect(deadEp);
      await event(push, "handshake");
      for (let i = 0; i < 4; i++) push.send([Buffer.from(String(i))]);
      const got: string[] = [];
      const expect = immediate ? 4 : 2;
      for (let i = 0; i < expect; i++) got.push((await live.receive())[0]!.toString());
      return got;
    } finally {
      live.close();
      await push.close();
    }
  }

  test("immediate off: round-robin includes the down endpoint (messages 0 and 2 reach the live PULL)", async () => {
    assert.deepEqual(await twoEndpoints(false), ["0", "2"]);
  });

  test("immediate on: only completed connections get messages", async () => {
    assert.deepEqual(await twoEndpoints(true), ["0", "1", "2", "3"]);
  });

  test("PUSH round-robins per message over two libzmq PULLs", async () => {
    const a = new zmq.Pull(ropts);
    const b = new zmq.Pull(ropts);
    await a.bind("tcp://127.0.0.1:*");
    await b.bind("tcp://127.0.0.1:*");
    const push = new Push({ immediate: true });
    try {
      let shook = 0;
      const both = new Promise((r) => push.on("handshake", () => ++shook === 2 && r(0)));
      push.connect(a.lastEndpoint!);
      push.connect(b.lastEndpoint!);
      await both;
      for (let i = 0; i < 6; i++) assert.equal(push.send([Buffer.from(String(i)), Buffer.from("x")]), true);
      const ga = [await a.receive(), await a.receive(), await a.receive()].map((m) => m[0]!.toString());
      const gb = [await b.receive(), await b.receive(), await b.receive()].map((m) => m[0]!.toString());
      assert.deepEqual([ga, gb].sort(), [["0", "2", "4"], ["1", "3", "5"]]);
    } finally {
      a.close();
      b.close();
      await push.close();
    }
  });

  test("PULL fair-queues across peers", async () => {
    const pull = new Pull();
    const ep = await pull.bind("tcp://127.0.0.1:0");
    const a = new zmq.Push({ linger: 0 });
    const b = new zmq.Push({ linger: 0 });
    a.connect(ep);
    b.connect(ep);
    try {
      for (let i = 0; i < 5; i++) await a.send([Buffer.from("a"), Buffer.from(String(i))]);
      for (let i = 0; i < 5; i++) await b.send([Buffer.from("b"), Buffer.from(String(i))]);
      await until(() => pull.pending === 10, "10 messages from two peers");
      const got = pull.receiveAvailable(10).map((m) => `${m[0]}${m[1]}`);
      // One message per peer in turn, each peer's order preserved.
      const first = got[0]![0]!;
      const other = first === "a" ? "b" : "a";
      assert.deepEqual(got, [0, 1, 2, 3, 4].flatMap((i) => [`${first}${i}`, `${other}${i}`]));
    } finally {
      a.close();
      b.close();
      await pull.close();
    }
  });

  test("PULL receive HWM: stops reading the peer until the application takes messages", async () => {
    const pull = new Pull({ receiveHighWaterMark: 10 });
    const push = new zmq.Push({ linger: 0 });
    push.connect(await pull.bind("tcp://127.0.0.1:0"));
    const n = 3000;
    let sent = 0;
    const body = Buffer.alloc(16 * 1024);
    const sender = (async () => {
      for (; sent < n; sent++) await push.send([Buffer.from(String(sent)), body]);
    })();
    try {
      await until(() => pull.pending >= 10, "the first messages");
      // Give the peer time to push more if we were still reading: nothing beyond one read's worth may queue.
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(pull.pending < 10 + 64 * 1024 / body.length + 2, `pending ${pull.pending}`);
      assert.ok(sent < n, "the sender is held back by TCP flow control");
      const got = await take(pull, n, 4 * WAIT_MS);
      assert.deepEqual(got.map((m) => m[0]!.toString()), Array.from({ length: n }, (_, i) => String(i)));
      await sender;
    } finally {
      push.close();
      await pull.close();
    }
  });
});

describe("reconnect, linger, limits", () => {
  test("XSUB reconnects after the libzmq XPUB restarts and replays its subscriptions", async () => {
    const xsub = new XSub({ reconnectInterval: 20 });
    let z = new zmq.XPublisher(ropts);
    await z.bind("tcp://127.0.0.1:*");
    const ep = z.lastEndpoint!;
    try {
      xsub.connect(ep);
      xsub.send([Buffer.from("\x01b.")]);
      xsub.send([Buffer.from("\x01a.")]);
      // Subscribed before the connection existed: the first attach replays the set, sorted.
      assert.deepEqual([(await z.receive())[0]!.toString(), (await z.receive())[0]!.toString()], ["\x01a.", "\x01b."]);
      z.close();
      await event(xsub, "disconnected");
      z = new zmq.XPublisher(ropts);
      for (let i = 0; ; i++) {
        try {
          await z.bind(ep);
          break;
        } catch (err) {
          if (i > 50) throw err; // the old socket's port is released by libzmq's I/O thread
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      // Replay: sorted, unique, as SUBSCRIBE commands; libzmq hands them over as 01+topic.
      assert.deepEqual([(await z.receive())[0]!.toString(), (await z.receive())[0]!.toString()], ["\x01a.", "\x01b."]);
      await z.send([Buffer.from("a.x"), Buffer.from("again")]);
      assert.deepEqual((await take(xsub, 1)).map(hex), [hex([Buffer.from("a.x"), Buffer.from("again")])]);
    } finally {
      z.close();
      await xsub.close();
    }
  });

  test("linger -1: close() waits until every queued message is written", async () => {
    const pull = new zmq.Pull(ropts);
    await pull.bind("tcp://127.0.0.1:*");
    const push = new Push({ linger: -1, sendHighWaterMark: 0 });
    push.connect(pull.lastEndpoint!);
    await event(push, "handshake");
    const n = 5000;
    for (let i = 0; i < n; i++) push.send([Buffer.from(String(i)), Buffer.alloc(100)]);
    await push.close();
    for (let i = 0; i < n; i++) assert.equal((await pull.receive())[0]!.toString(), String(i));
    pull.close();
  });

  test("linger 0: close() drops what is queued and returns at once", async () => {
    const push = new Push({ linger: 0 });
    const gone = new Pull();
    const ep = await gone.bind("tcp://127.0.0.1:0");
    await gone.close();
    push.connect(ep);
    push.send([Buffer.from("lost")]);
    await push.close();
    assert.equal(push.closed, true);
  });

  test("a peer exceeding maxMessageSize is disconnected", async () => {
    const pull = new Pull({ maxMessageSize: 1000 });
    const push = new zmq.Push({ linger: 0 });
    try {
      push.connect(await pull.bind("tcp://127.0.0.1:0"));
      await push.send([Buffer.alloc(600), Buffer.alloc(600)]);
      const ev = await event<{ error?: Error }>(pull, "disconnected");
      assert.ok(ev.error instanceof DecodeError);
      assert.equal(ev.error.code, "too-large");
      assert.equal(pull.pending, 0);
    } finally {
      push.close();
      await pull.close();
    }
  });
});

describe("transports and refused peers", () => {
  test("IPv6: tcp://[::1] with the ipv6 option", async () => {
    const xpub = new XPub({ ipv6: true });
    const z = new zmq.XSubscriber({ ...ropts, ipv6: true });
    try {
      const ep = await xpub.bind("tcp://[::1]:0");
      assert.match(ep, /^tcp:\/\/\[::1\]:\d+$/);
      z.connect(ep);
      await z.send(Buffer.from("\x01v6"));
      await take(xpub, 1);
      xpub.send([Buffer.from("v6"), Buffer.from("ok")]);
      assert.deepEqual((await z.receive()).map(String), ["v6", "ok"]);
      assert.throws(() => new XSub().connect("tcp://[::1]:1"), ConfigError);
    } finally {
      z.close();
      await xpub.close();
    }
  });

  test("tcp://*:0 binds every interface: 0.0.0.0, or dual-stack :: with ipv6", async () => {
    const v4 = new Pull();
    const v6 = new Pull({ ipv6: true });
    const push = new Push({ ipv6: true, immediate: true });
    try {
      assert.match(await v4.bind("tcp://*:0"), /^tcp:\/\/0\.0\.0\.0:\d+$/);
      const ep = await v6.bind("tcp://*:0");
      const port = /^tcp:\/\/\[::\]:(\d+)$/.exec(ep)?.[1];
      assert.ok(port, ep);
      let n = 0;
      const both = new Promise((r) => push.on("handshake", () => ++n === 2 && r(0)));
      push.connect(`tcp://127.0.0.1:${port}`);
      push.connect(`tcp://[::1]:${port}`);
      await both;
      push.send([Buffer.from("v4")]);
      push.send([Buffer.from("v6")]);
      assert.deepEqual((await take(v6, 2)).map((m) => m[0]!.toString()).sort(), ["v4", "v6"]);
    } finally {
      await Promise.all([v4.close(), v6.close(), push.close()]);
    }
  });

  test("IPC: ipc:// unix sockets both ways", async () => {
    const path = join(tmpdir(), `zeek-zmq-${randomUUID()}.sock`);
    const pull = new Pull();
    const zpush = new zmq.Push({ linger: 0 });
    const zpull = new zmq.Pull(ropts);
    const push = new Push();
    try {
      assert.equal(await pull.bind(`ipc://${path}`), `ipc://${path}`);
      zpush.connect(`ipc://${path}`);
      await zpush.send([Buffer.from("to-ts"), Buffer.alloc(0)]);
      assert.deepEqual((await take(pull, 1)).map(hex), [hex([Buffer.from("to-ts"), Buffer.alloc(0)])]);
      await zpull.bind(`ipc://${path}.2`);
      push.connect(`ipc://${path}.2`);
      push.send([Buffer.from("to-zmq")]);
      assert.equal((await zpull.receive())[0]!.toString(), "to-zmq");
    } finally {
      zpush.close();
      zpull.close();
      await Promise.all([pull.close(), push.close()]);
    }
  });

  test("a libzmq PUSH connecting to a TS XPUB is refused with a clear error", async () => {
    const xpub = new XPub();
    const z = new zmq.Push({ linger: 0 });
    try {
      z.connect(await xpub.bind("tcp://127.0.0.1:0"));
      const ev = await event<{ error: Error }>(xpub, "handshake:error");
      assert.ok(ev.error instanceof HandshakeError);
      assert.equal(ev.error.reason, "socket-type");
      assert.match(ev.error.message, /peer is a "PUSH" socket; a XPUB socket only talks to SUB or XSUB/);
    } finally {
      z.close();
      await xpub.close();
    }
  });

  test("a TS PUSH connecting to a libzmq XPUB is refused (libzmq closes) and never gets a pipe", async () => {
    const z = new zmq.XPublisher({ linger: 0 });
    await z.bind("tcp://127.0.0.1:*");
    const push = new Push({ immediate: true, linger: 0 });
    try {
      push.connect(z.lastEndpoint!);
      const ev = await event<{ error: Error }>(push, "handshake:error");
      assert.ok(ev.error instanceof HandshakeError);
      assert.equal(push.send([Buffer.from("x")]), false);
    } finally {
      z.close();
      await push.close();
    }
  });
});
