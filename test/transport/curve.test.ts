// CURVE (RFC 26) against libzmq 4.3.5 (the `zeromq` package): Z85 vectors, TS client <-> libzmq
// server and libzmq client <-> TS server for PUSH/PULL and XPUB/XSUB in both bind directions,
// multi-part messages with empty, 255/256-byte and 1 MB frames, subscriptions and heartbeats
// travelling inside MESSAGE boxes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as zmq from "zeromq";
import { ConfigError } from "../../src/errors.js";
import { curvePublicKey } from "../../src/transport/curve.js";
import { curveKeyPair } from "../../src/transport/curve-keys.js";
import { Pull, Push, XPub, XSub } from "../../src/transport/index.js";
import { z85Decode, z85Encode } from "../../src/transport/z85.js";
import { CLIENT, SERVER, tsClient, tsServer, zClient, zServer } from "./curve-helpers.js";
import { DIRS, WAIT_MS, event, hex, probe, take, testMessages, wire, zrecvAll } from "./helpers.js";

describe("Z85 (RFC 32)", () => {
  test("the RFC's test vector and libzmq's key pairs", () => {
    const bytes = Buffer.from("864FD26FB559F75B", "hex");
    assert.equal(z85Encode(bytes), "HelloWorld");
    assert.deepEqual(z85Decode("HelloWorld"), bytes);
    // A libzmq key pair: our public key from its secret key must be libzmq's public key.
    assert.equal(z85Encode(curvePublicKey(z85Decode(SERVER.secretKey))), SERVER.publicKey);
    assert.equal(z85Encode(z85Decode(CLIENT.publicKey)), CLIENT.publicKey);
    const ours = curveKeyPair();
    assert.equal(ours.publicKey.length, 40);
    assert.equal(z85Encode(curvePublicKey(z85Decode(ours.secretKey))), ours.publicKey);
  });
  test("refuses bad text with ConfigError", () => {
    assert.throws(() => z85Decode("Hello".slice(0, 4)), ConfigError);
    assert.throws(() => z85Decode("Hello Worl"), /not Z85/);
    assert.throws(() => z85Decode("#####"), /exceeds 32 bits/);
    assert.throws(() => z85Decode("Héllo"), ConfigError);
    assert.throws(() => z85Encode(Buffer.alloc(3)), RangeError);
  });
});

describe("CURVE PUSH/PULL <-> libzmq", () => {
  for (const how of DIRS) {
    test(`TS PUSH client -> libzmq PULL server (${how})`, async () => {
      const push = new Push(tsClient());
      const pull = new zmq.Pull(zServer);
      try {
        const done = event(push, "handshake");
        await wire(push, pull, how);
        await done;
        const msgs = testMessages("log");
        for (const m of msgs) assert.equal(push.send(m), true);
        assert.deepEqual((await zrecvAll(pull, msgs.length)).map(hex), msgs.map(hex));
      } finally {
        pull.close();
        await push.close();
      }
    });
    test(`libzmq PUSH client -> TS PULL server (${how})`, async () => {
      const pull = new Pull(tsServer());
      const push = new zmq.Push(zClient());
      try {
        await wire(pull, push, how);
        const msgs = testMessages("log");
        for (const m of msgs) await push.send(m);
        assert.deepEqual((await take(pull, msgs.length)).map(hex), msgs.map(hex));
      } finally {
        push.close();
        await pull.close();
      }
    });
  }

  test("libzmq heartbeats (PING inside MESSAGE) are answered: the connection outlives its timeout", async () => {
    const pull = new Pull(tsServer());
    const push = new zmq.Push({ ...zClient(), heartbeatInterval: 20, heartbeatTimeout: 250 });
    let disconnects = 0;
    pull.on("disconnected", () => disconnects++);
    try {
      const ep = await pull.bind("tcp://127.0.0.1:0");
      const hs = event(pull, "handshake");
      push.connect(ep);
      await hs;
      // Several heartbeat timeouts without any data: libzmq drops us unless we answer every PING
      // (the timeout stays above an event-loop stall of a loaded machine).
      await new Promise((r) => setTimeout(r, 1200));
      await push.send("after");
      assert.deepEqual((await take(pull, 1)).map(hex), [hex([Buffer.from("after")])]);
      assert.equal(disconnects, 0);
    } finally {
      push.close();
      await pull.close();
    }
  });

  test("TS heartbeats under CURVE keep a quiet link alive and libzmq answers them", async () => {
    // Timeout well above an event-loop stall of a loaded machine (npm test runs files in
    // parallel), well below the quiet period: without PONGs the link would drop several times.
    const push = new Push({ ...tsClient(), heartbeatInterval: 20, heartbeatTimeout: 250 });
    const pull = new zmq.Pull(zServer);
    let lost = 0;
    push.on("disconnected", () => lost++);
    try {
      await pull.bind("tcp://127.0.0.1:*");
      const hs = event(push, "handshake");
      push.connect(pull.lastEndpoint!);
      await hs;
      await new Promise((r) => setTimeout(r, 1200)); // the quiet period is what is under test
      assert.equal(lost, 0, "a PONG we could not open would have timed the link out");
      push.send([Buffer.from("still")]);
      assert.deepEqual((await zrecvAll(pull, 1)).map(hex), [hex([Buffer.from("still")])]);
    } finally {
      pull.close();
      await push.close();
    }
  });
});

describe("CURVE XPUB/XSUB <-> libzmq", () => {
  for (const how of DIRS) {
    test(`libzmq XSUB client -> TS XPUB server (${how})`, async () => {
      const xpub = new XPub(tsServer());
      const z = new zmq.XSubscriber({ ...zClient(), receiveTimeout: WAIT_MS });
      try {
        await wire(xpub, z, how);
        await z.send(Buffer.from("\x01zeek.a"));
        const msgs = testMessages("zeek.a.topic");
        const received = zrecvAll(z, msgs.length);
        assert.deepEqual((await take(xpub, 1)).map(hex), [hex([Buffer.from("\x01zeek.a")])]);
        assert.equal(xpub.send([Buffer.from("zeek.b"), Buffer.from("filtered")]), true);
        for (const m of msgs) assert.equal(xpub.send(m), true);
        assert.deepEqual((await received).map(hex), msgs.map(hex));
      } finally {
        z.close();
        await xpub.close();
      }
    });
    test(`TS XSUB client -> libzmq XPUB server (${how})`, async () => {
      const xsub = new XSub(tsClient());
      const z = new zmq.XPublisher(zServer);
      try {
        await wire(xsub, z, how);
        xsub.send([Buffer.from("\x01zeek.a")]);
        assert.deepEqual(hex(await z.receive()), hex([Buffer.from("\x01zeek.a")]));
        const first = await probe(() => z.send([Buffer.from("zeek.a.probe")]), take(xsub, 1));
        assert.deepEqual(first.map(hex), [hex([Buffer.from("zeek.a.probe")])]);
        const msgs = testMessages("zeek.a.topic");
        await z.send([Buffer.from("zeek.b"), Buffer.from("filtered")]);
        for (const m of msgs) await z.send(m);
        let got = await take(xsub, 1);
        while (got[0]![0]!.toString() === "zeek.a.probe") got = await take(xsub, 1);
        got.push(...(await take(xsub, msgs.length - 1)));
        assert.deepEqual(got.map(hex), msgs.map(hex));
      } finally {
        z.close();
        await xsub.close();
      }
    });
    test(`TS XPUB client -> libzmq XSUB server (${how})`, async () => {
      const xpub = new XPub({ ...tsClient(), verbose: true });
      const z = new zmq.XSubscriber(zServer);
      try {
        await wire(xpub, z, how);
        await z.send(Buffer.from("\x01zeek.b"));
        const msgs = testMessages("zeek.b.x");
        // A pending receive keeps libzmq's socket thread busy, so it replays its subscription on attach.
        const received = zrecvAll(z, msgs.length);
        // The subscription reaches us as a SUBSCRIBE command or data frame inside a MESSAGE box.
        assert.deepEqual((await take(xpub, 1)).map(hex), [hex([Buffer.from("\x01zeek.b")])]);
        for (const m of msgs) xpub.send(m);
        assert.deepEqual((await received).map(hex), msgs.map(hex));
      } finally {
        z.close();
        await xpub.close();
      }
    });
    test(`libzmq XPUB client -> TS XSUB server (${how})`, async () => {
      const xsub = new XSub(tsServer());
      const z = new zmq.XPublisher({ ...zClient(), receiveTimeout: WAIT_MS });
      try {
        await wire(xsub, z, how);
        xsub.send([Buffer.from("\x01zeek.c")]);
        assert.deepEqual(hex(await z.receive()), hex([Buffer.from("\x01zeek.c")]));
        const msgs = testMessages("zeek.c.y");
        for (const m of msgs) await z.send(m);
        assert.deepEqual((await take(xsub, msgs.length)).map(hex), msgs.map(hex));
      } finally {
        z.close();
        await xsub.close();
      }
    });
  }
});
