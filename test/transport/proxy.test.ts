// The Zeek topology: a libzmq XSUB/XPUB proxy (zmq_proxy, as Zeek's manager runs it) with TS
// node sockets on both sides: TS XPUB -> proxy XSUB, TS XSUB <- proxy XPUB (verboser, nodrop),
// plus libzmq node sockets exchanging traffic with the TS ones in both directions.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import * as zmq from "zeromq";
import { Broker } from "../../src/cluster/broker.js";
import { XPub, XSub } from "../../src/transport/index.js";
import { WAIT_MS, event, hex, take, until } from "./helpers.js";
import { NULL_GREETING, READY, RawPeer } from "./raw.js";

const sub = (t: string): Buffer => Buffer.from(`\x01${t}`);
const unsub = (t: string): Buffer => Buffer.from(`\x00${t}`);

describe("through a libzmq XSUB/XPUB proxy", () => {
  let frontend: zmq.XSubscriber;
  let backend: zmq.XPublisher;
  let proxy: zmq.Proxy;
  let running: Promise<void>;
  let xsubEndpoint: string;
  let xpubEndpoint: string;

  // A fresh proxy per test: its cached subscription set (replayed to every new XPUB) must not
  // carry topics over from another test.
  beforeEach(async () => {
    frontend = new zmq.XSubscriber({ linger: 0 });
    backend = new zmq.XPublisher({ linger: 0, noDrop: true, verbosity: "allSubsUnsubs" });
    await frontend.bind("tcp://127.0.0.1:*");
    await backend.bind("tcp://127.0.0.1:*");
    xsubEndpoint = frontend.lastEndpoint!;
    xpubEndpoint = backend.lastEndpoint!;
    proxy = new zmq.Proxy(frontend, backend);
    running = proxy.run();
  });

  afterEach(async () => {
    proxy.terminate();
    await running;
    frontend.close();
    backend.close();
  });

  /** A node's pair of sockets, configured as Zeek configures them (wire.md §2.1). */
  async function node(): Promise<{ xpub: XPub; xsub: XSub; close: () => Promise<void> }> {
    const xpub = new XPub({ verbose: true, noDrop: true, sendHighWaterMark: 1000, linger: 500 });
    const xsub = new XSub();
    const shook = Promise.all([event(xpub, "handshake"), event(xsub, "handshake")]);
    xpub.connect(xsubEndpoint);
    xsub.connect(xpubEndpoint);
    await shook;
    return { xpub, xsub, close: async () => void (await Promise.all([xpub.close(), xsub.close()])) };
  }

  test("subscriptions travel XSUB -> proxy -> XPUB, verbose and reference counted", async () => {
    const a = await node();
    const b = await node();
    try {
      const topic = "zeek.cluster.node.a.";
      a.xsub.send([sub(topic)]);
      // Every node's XPUB hears it, the subscriber's own included (wire.md §2.4).
      assert.deepEqual((await take(a.xpub, 1)).map(hex), [hex([sub(topic)])]);
      assert.deepEqual((await take(b.xpub, 1)).map(hex), [hex([sub(topic)])]);
      // A second subscriber: verbose XPUBs hear the subscribe again.
      b.xsub.send([sub(topic)]);
      assert.deepEqual((await take(a.xpub, 1)).map(hex), [hex([sub(topic)])]);
      // The proxy's XSUB counts: the first unsubscribe is swallowed, the last one forwarded.
      a.xsub.send([unsub(topic)]);
      b.xsub.send([unsub(topic)]);
      assert.deepEqual((await take(a.xpub, 1)).map(hex), [hex([unsub(topic)])]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("4-part messages flow TS XPUB -> proxy -> TS XSUB with nothing lost", async () => {
    const pub = await node();
    const subr = await node();
    try {
      const topic = "zeek.cluster.worker.";
      subr.xsub.send([sub(topic)]);
      await take(pub.xpub, 1);
      const n = 20000;
      let sent = 0;
      const payload = Buffer.alloc(60, 7);
      const pump = (): void => {
        while (sent < n) {
          const msg = [Buffer.from(`${topic}${sent % 10}`), Buffer.from("node-1"), Buffer.from("broker-bin-v1"), payload];
          if (!pub.xpub.send(msg)) {
            pub.xpub.once("drain", pump);
            return;
          }
          sent++;
        }
      };
      pump();
      const got = await take(subr.xsub, n, 4 * WAIT_MS);
      assert.equal(got.length, n);
      for (let i = 0; i < n; i++) {
        assert.equal(got[i]!.length, 4);
        assert.equal(got[i]![0]!.toString(), `${topic}${i % 10}`);
      }
    } finally {
      await pub.close();
      await subr.close();
    }
  });

  test("a lost subscriber's topics are unsubscribed at every XPUB", async () => {
    const watcher = await node();
    const doomed = await node();
    try {
      const topic = "zeek.cluster.nodeid.doomed.";
      doomed.xsub.send([sub(topic)]);
      assert.deepEqual((await take(watcher.xpub, 1)).map(hex), [hex([sub(topic)])]);
      await doomed.close();
      assert.deepEqual((await take(watcher.xpub, 1)).map(hex), [hex([unsub(topic)])]);
    } finally {
      await watcher.close();
    }
  });

  test("a newly connected XPUB receives the proxy's cached subscriptions, sorted", async () => {
    const s = await node();
    try {
      for (const t of ["zeek.b.", "zeek.a.", "zeek.c."]) s.xsub.send([sub(t)]);
      await take(s.xpub, 3);
      const late = new XPub({ verbose: true });
      try {
        late.connect(xsubEndpoint);
        const got = await take(late, 3);
        assert.deepEqual(got.map(hex), ["zeek.a.", "zeek.b.", "zeek.c."].map((t) => hex([sub(t)])));
      } finally {
        await late.close();
      }
    } finally {
      await s.close();
    }
  });

  test("libzmq node sockets and TS node sockets exchange traffic both ways", async () => {
    const ts = await node();
    const zpub = new zmq.XPublisher({ linger: 0, noDrop: true });
    const zsub = new zmq.XSubscriber({ linger: 0, receiveTimeout: WAIT_MS });
    zpub.connect(xsubEndpoint);
    zsub.connect(xpubEndpoint);
    try {
      // TS subscribes; the libzmq XPUB hears it through the proxy, then publishes to TS.
      ts.xsub.send([sub("to.ts.")]);
      await take(ts.xpub, 1);
      assert.deepEqual(hex(await zpub.receive()), hex([sub("to.ts.")]));
      // libzmq subscribes; the TS XPUB hears it, then publishes to libzmq.
      await zsub.send(sub("to.zmq."));
      const seen = await take(ts.xpub, 1);
      assert.deepEqual(seen.map(hex), [hex([sub("to.zmq.")])]);
      const n = 2000;
      const fromTs = (async () => {
        const out: Buffer[][] = [];
        for (let i = 0; i < n; i++) out.push(await zsub.receive());
        return out;
      })();
      for (let i = 0; i < n; i++) {
        assert.equal(ts.xpub.send([Buffer.from("to.zmq.x"), Buffer.from("ts"), Buffer.from("broker-bin-v1"), Buffer.from(String(i))]), true);
        await zpub.send([Buffer.from("to.ts.x"), Buffer.from("zmq"), Buffer.from("broker-bin-v1"), Buffer.from(String(i))]);
      }
      const atTs = await take(ts.xsub, n);
      assert.deepEqual(atTs.map((m) => m[3]!.toString()), Array.from({ length: n }, (_, i) => String(i)));
      assert.deepEqual((await fromTs).map((m) => m[3]!.toString()), Array.from({ length: n }, (_, i) => String(i)));
    } finally {
      zpub.close();
      zsub.close();
      await ts.close();
    }
  });
});

describe("a TS broker (XSUB + XPUB bound, forwarding both ways) between libzmq nodes", () => {
  test("subscriptions and 4-part messages cross it exactly as through zmq_proxy", async () => {
    const frontend = new XSub();
    const backend = new XPub({ verboser: true, noDrop: true });
    // The forwarding loop a broker runs: received frames are sent on without copying.
    frontend.on("readable", () => {
      for (const m of frontend.receiveAvailable()) assert.equal(backend.send(m), true);
    });
    backend.on("readable", () => {
      for (const m of backend.receiveAvailable()) frontend.send(m);
    });
    const nodePub = new zmq.XPublisher({ linger: 0 });
    const nodeSub = new zmq.XSubscriber({ linger: 0, receiveTimeout: WAIT_MS });
    const other = new zmq.XSubscriber({ linger: 0 });
    try {
      nodePub.verbosity = "allSubs";
      nodePub.receiveTimeout = WAIT_MS;
      nodePub.connect(await frontend.bind("tcp://127.0.0.1:0"));
      const xpubEp = await backend.bind("tcp://127.0.0.1:0");
      nodeSub.connect(xpubEp);
      other.connect(xpubEp);
      await nodeSub.send(sub("zeek.t."));
      assert.deepEqual(hex(await nodePub.receive()), hex([sub("zeek.t.")]));
      await other.send(sub("zeek.t."));
      assert.deepEqual(hex(await nodePub.receive()), hex([sub("zeek.t.")]));
      const n = 1000;
      for (let i = 0; i < n; i++) await nodePub.send([Buffer.from("zeek.t.x"), Buffer.from("node"), Buffer.from("broker-bin-v1"), Buffer.from(String(i))]);
      for (let i = 0; i < n; i++) assert.equal((await nodeSub.receive())[3]!.toString(), String(i));
      // Reference counting in the TS XSUB: only the last cancel reaches the publisher.
      await other.send(unsub("zeek.t."));
      await nodeSub.send(unsub("zeek.t."));
      assert.deepEqual(hex(await nodePub.receive()), hex([unsub("zeek.t.")]));
    } finally {
      nodePub.close();
      nodeSub.close();
      other.close();
      await Promise.all([frontend.close(), backend.close()]);
    }
  });

  test("the Broker forwards byte-exact however the network cuts messages (long headers, large frames, runs)", async () => {
    const broker = new Broker({ listenXsubEndpoint: "tcp://127.0.0.1:0", listenXpubEndpoint: "tcp://127.0.0.1:0" });
    const ep = await broker.start();
    const nodeSub = new zmq.XSubscriber({ linger: 0, receiveTimeout: WAIT_MS });
    const raw = await RawPeer.connect(ep.xsub);
    try {
      raw.sock.setNoDelay(true);
      nodeSub.connect(ep.xpub);
      await nodeSub.send(sub("zeek."));
      raw.sock.write(Buffer.concat([NULL_GREETING, READY("XPUB")]));
      await until(() => raw.received.includes("zeek."), "the subscription forwarded to the publisher");
      // Every frame form a peer may send: short, long (> 255), zero-copy sized (>= 16 KiB),
      // empty, and the long header on a short frame (legal, though libzmq never sends it).
      const msgs: Buffer[][] = [];
      for (let i = 0; i < 400; i++) {
        const size = i % 97 === 0 ? 20_000 : i % 13 === 0 ? 300 + i : i % 50;
        // Every fifth message is on a topic nobody subscribed to: the broker skips it.
        msgs.push([Buffer.from(i % 5 === 4 ? "other.t" : `zeek.t.${i % 7}`), Buffer.from("node"), Buffer.from("broker-bin-v1"), Buffer.alloc(size, i & 0xff)]);
      }
      const frame = (body: Buffer, more: boolean, long: boolean): Buffer => {
        const head = long || body.length > 255 ? Buffer.alloc(9) : Buffer.alloc(2);
        head[0] = (more ? 1 : 0) | (head.length === 9 ? 2 : 0);
        if (head.length === 9) head.writeBigUInt64BE(BigInt(body.length), 1);
        else head[1] = body.length;
        return Buffer.concat([head, body]);
      };
      const stream = Buffer.concat(msgs.flatMap((m, i) => m.map((f, k) => frame(f, k < 3, i % 11 === 0 && k === 1))));
      // Cut into pieces of 1 to ~3000 bytes, each its own TCP segment.
      let seed = 7;
      for (let pos = 0; pos < stream.length;) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const len = seed % 3 === 0 ? 1 + (seed % 9) : 1 + (seed % 3000);
        raw.sock.write(stream.subarray(pos, (pos += len)));
        await new Promise((r) => setTimeout(r, 1));
      }
      const wanted = msgs.filter((m) => m[0]!.toString().startsWith("zeek."));
      for (let i = 0; i < wanted.length; i++) assert.deepEqual(hex(await nodeSub.receive()), hex(wanted[i]!), `message ${i}`);
      const bytes = (ms: Buffer[][]): number => ms.reduce((n, m) => n + m.reduce((k, f) => k + f.length, 0), 0);
      assert.equal(broker.metrics.frontendMessagesReceived.value, 4 * msgs.length);
      assert.equal(broker.metrics.frontendBytesReceived.value, bytes(msgs));
      // Zeek's proxy counts what it hands the XPUB, subscribed to or not.
      assert.equal(broker.metrics.backendBytesSent.value, bytes(msgs));
    } finally {
      raw.sock.destroy();
      nodeSub.close();
      await broker.close();
    }
  });
});
