// The zeromq.js-style surface of the sockets, against libzmq peers (the `zeromq` package):
// `await receive()`, `for await (const msg of sock)`, the close that ends both, and string frames
// sent as their UTF-8 bytes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as zmq from "zeromq";
import { Pub, Pull, Push, SocketClosedError, Sub, XSub } from "../../src/transport/index.js";
import { WAIT_MS, event, hex, probe, until } from "./helpers.js";

const ropts = { linger: 0, receiveTimeout: WAIT_MS };
const closedError = (type: string) => (err: unknown) => err instanceof SocketClosedError && err.code === "EBADF" && err.socketType === type && /closed/.test(err.message);

describe("async receive and iteration", () => {
  test("for await over a SUB yields a zeromq.js PUB's messages in order, filtered, and ends when the SUB closes", { timeout: 4 * WAIT_MS }, async () => {
    const zpub = new zmq.Publisher({ linger: 0 });
    const sub = new Sub();
    try {
      await zpub.bind("tcp://127.0.0.1:*");
      sub.subscribe("t.");
      sub.connect(zpub.lastEndpoint!);
      // Slow joiner: probe until the subscription has reached the publisher.
      const first = await probe(() => zpub.send(["t.probe", "p"]), sub.receive());
      assert.equal(first[0]!.toString(), "t.probe");
      const n = 200;
      for (let i = 0; i < n; i++) {
        await zpub.send(["other.topic", String(i)]); // not subscribed: filtered out
        await zpub.send(["t.data", String(i), Buffer.alloc(i % 3 === 0 ? 20_000 : 3, i & 0xff)]);
      }
      const got: string[] = [];
      for await (const msg of sub) {
        const topic = msg[0]!.toString();
        if (topic === "t.probe") continue;
        assert.equal(topic, "t.data");
        assert.equal(msg.length, 3);
        assert.equal(msg[2]!.length, Number(msg[1]!.toString()) % 3 === 0 ? 20_000 : 3);
        got.push(msg[1]!.toString());
        if (got.length === n) void sub.close(); // the loop must end by itself once the socket is closed
      }
      assert.deepEqual(got, Array.from({ length: n }, (_, i) => String(i)));
      assert.equal(sub.closed, true);
    } finally {
      zpub.close();
      await sub.close();
    }
  });

  test("a receive() waiting when close() is called rejects with SocketClosedError; so does one on a closed, empty socket", async () => {
    const pull = new Pull();
    await pull.bind("tcp://127.0.0.1:0");
    const waiting = pull.receive();
    await pull.close();
    await assert.rejects(waiting, closedError("PULL"));
    await assert.rejects(pull.receive(), closedError("PULL"));
    // Iterating a closed, empty socket ends at once.
    for await (const msg of pull) assert.fail(`unexpected message ${hex(msg)}`);
  });

  test("waiting receive() calls are served in call order; messages received before close() are still returned after it", async () => {
    const pull = new Pull();
    const zpush = new zmq.Push({ linger: 0 });
    try {
      zpush.connect(await pull.bind("tcp://127.0.0.1:0"));
      const a = pull.receive();
      const b = pull.receive();
      const c = pull.receive();
      await zpush.send("one");
      await zpush.send(["two", Buffer.from([0, 1, 2])]);
      await zpush.send("three");
      assert.deepEqual((await a).map(String), ["one"]);
      assert.deepEqual(hex(await b), hex([Buffer.from("two"), Buffer.from([0, 1, 2])]));
      assert.deepEqual((await c).map(String), ["three"]);
      await zpush.send("kept");
      await zpush.send("kept too");
      await until(() => pull.pending === 2, "two messages queued");
      await pull.close();
      assert.deepEqual((await pull.receive()).map(String), ["kept"]);
      const rest: string[] = [];
      for await (const msg of pull) rest.push(msg[0]!.toString());
      assert.deepEqual(rest, ["kept too"]);
    } finally {
      zpush.close();
      await pull.close();
    }
  });
});

describe("string frames", () => {
  const text = "zeek.cluster.nodeid.wörker-1 ☃ \u{1F600}";

  test("PUB: string frames arrive at a zeromq.js SUB as their exact UTF-8 bytes, mixed with Buffers", async () => {
    const pub = new Pub();
    const zsub = new zmq.Subscriber(ropts);
    try {
      zsub.connect(await pub.bind("tcp://127.0.0.1:0"));
      zsub.subscribe("zeek.");
      const payload = Buffer.from([0, 0xff, 0x80, 0x41]);
      const first = await probe(() => pub.send(["zeek.probe", payload]), zsub.receive());
      assert.deepEqual(hex(first), hex([Buffer.from("zeek.probe"), payload]));
      assert.equal(pub.send([text, "", payload, "é"]), true);
      let got = await zsub.receive();
      while (got[0]!.toString() === "zeek.probe") got = await zsub.receive();
      assert.deepEqual(hex(got), hex([Buffer.from(text, "utf8"), Buffer.alloc(0), payload, Buffer.from([0xc3, 0xa9])]));
    } finally {
      zsub.close();
      await pub.close();
    }
  });

  test("PUSH: a single string, a single Buffer and arrays of both arrive at a zeromq.js PULL byte-exact", async () => {
    const push = new Push();
    const zpull = new zmq.Pull(ropts);
    try {
      const joined = event(push, "handshake");
      zpull.connect(await push.bind("tcp://127.0.0.1:0"));
      await joined;
      const big = "x".repeat(40_000) + "ü"; // past the zero-copy threshold once encoded
      assert.equal(push.send(text), true);
      assert.equal(push.send(Buffer.from("bytes")), true);
      assert.equal(push.send(["Conn::LOG", Buffer.from([1, 2, 3]), big]), true);
      assert.deepEqual(hex(await zpull.receive()), hex([Buffer.from(text, "utf8")]));
      assert.deepEqual(hex(await zpull.receive()), hex([Buffer.from("bytes")]));
      assert.deepEqual(hex(await zpull.receive()), hex([Buffer.from("Conn::LOG"), Buffer.from([1, 2, 3]), Buffer.from(big, "utf8")]));
    } finally {
      zpull.close();
      await push.close();
    }
  });

  test("XSUB: a string subscription (\\x01 + topic) reaches a zeromq.js XPUB as the same bytes", async () => {
    const xsub = new XSub();
    const zxpub = new zmq.XPublisher(ropts);
    try {
      await zxpub.bind("tcp://127.0.0.1:*");
      xsub.connect(zxpub.lastEndpoint!);
      xsub.send("\x01zeek.cluster.ü");
      assert.deepEqual(hex(await zxpub.receive()), hex([Buffer.concat([Buffer.from([1]), Buffer.from("zeek.cluster.ü", "utf8")])]));
    } finally {
      zxpub.close();
      await xsub.close();
    }
  });

  test("send() refuses what is neither a frame nor an array of frames, naming the frame", async () => {
    const push = new Push();
    const pull = new Pull();
    try {
      // Refused before any peer exists, too: the message is checked, not the pipes.
      assert.throws(() => push.send([]), { name: "TypeError", message: /at least one frame/ });
      push.connect(await pull.bind("tcp://127.0.0.1:0")); // a pipe to queue on
      assert.throws(() => push.send(["ok", 42 as unknown as string]), { name: "TypeError", message: /frame 1 .* number/ });
      assert.throws(() => push.send(null as unknown as string), { name: "TypeError", message: /null/ });
      assert.throws(() => push.send([]), { name: "TypeError", message: /at least one frame/ });
      // Byte frames first, then one that is not: the check covers every frame, not only the first.
      assert.throws(() => push.send([Buffer.from("ok"), {} as unknown as string]), { name: "TypeError", message: /frame 1 .* object/ });
      // Bytes means Uint8Array (Buffer): other views would be sent element by element.
      assert.throws(() => push.send([new Uint16Array(2) as unknown as Uint8Array]), { name: "TypeError", message: /frame 0 .* object/ });
    } finally {
      await push.close();
      await pull.close();
    }
  });
});
