// Every TS <-> libzmq pairing (the `zeromq` package is the reference) in both bind and connect
// directions: multi-part messages with empty frames, long frames and 1 MB payloads.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as zmq from "zeromq";
import { Pub, Pull, Push, Sub, XPub, XSub } from "../../src/transport/index.js";
import { DIRS, WAIT_MS, event, hex, probe, take, testMessages, wire, zrecvAll } from "./helpers.js";

const zopts = { linger: 0 };
const ropts = { linger: 0, receiveTimeout: WAIT_MS };

describe("TS PUSH/PULL <-> libzmq", () => {
  for (const dir of DIRS) {
    test(`TS PUSH -> libzmq PULL (${dir})`, async () => {
      const push = new Push();
      const pull = new zmq.Pull(ropts);
      try {
        const ready = dir === "ts-binds" ? event(push, "handshake") : null;
        await wire(push, pull, dir);
        // A bound PUSH has no pipe until a peer connects: sends would block until then.
        await ready;
        const msgs = testMessages("log");
        for (const m of msgs) assert.equal(push.send(m), true);
        assert.deepEqual((await zrecvAll(pull, msgs.length)).map(hex), msgs.map(hex));
      } finally {
        pull.close();
        await push.close();
      }
    });
    test(`libzmq PUSH -> TS PULL (${dir})`, async () => {
      const pull = new Pull();
      const push = new zmq.Push(zopts);
      try {
        await wire(pull, push, dir);
        const msgs = testMessages("log");
        for (const m of msgs) await push.send(m);
        assert.deepEqual((await take(pull, msgs.length)).map(hex), msgs.map(hex));
      } finally {
        push.close();
        await pull.close();
      }
    });
  }
});

describe("TS publishers -> libzmq subscribers", () => {
  for (const dir of DIRS) {
    for (const peer of ["XSUB", "SUB"] as const) {
      test(`TS XPUB -> libzmq ${peer} (${dir})`, async () => {
        const xpub = new XPub();
        const z = peer === "XSUB" ? new zmq.XSubscriber(ropts) : new zmq.Subscriber(ropts);
        try {
          await wire(xpub, z, dir);
          if (z instanceof zmq.XSubscriber) await z.send(Buffer.from("\x01zeek.a"));
          else z.subscribe("zeek.a");
          // A pending receive keeps libzmq's socket thread busy, so it replays its subscription on attach.
          const msgs = testMessages("zeek.a.topic");
          const received = zrecvAll(z, msgs.length);
          // The first subscription for a topic is always delivered (not verbose).
          assert.deepEqual((await take(xpub, 1)).map(hex), [hex([Buffer.from("\x01zeek.a")])]);
          assert.equal(xpub.send([Buffer.from("zeek.b"), Buffer.from("filtered")]), true);
          for (const m of msgs) assert.equal(xpub.send(m), true);
          assert.deepEqual((await received).map(hex), msgs.map(hex));
        } finally {
          z.close();
          await xpub.close();
        }
      });
      test(`TS PUB -> libzmq ${peer} (${dir})`, async () => {
        const pub = new Pub();
        const z = peer === "XSUB" ? new zmq.XSubscriber(ropts) : new zmq.Subscriber(ropts);
        try {
          await wire(pub, z, dir);
          if (z instanceof zmq.XSubscriber) await z.send(Buffer.from("\x01zeek.a"));
          else z.subscribe("zeek.a");
          const first = await probe(() => pub.send([Buffer.from("zeek.a.probe")]), z.receive());
          assert.deepEqual(hex(first), hex([Buffer.from("zeek.a.probe")]));
          const msgs = testMessages("zeek.a.topic");
          pub.send([Buffer.from("zeek.b"), Buffer.from("filtered")]);
          for (const m of msgs) pub.send(m);
          // Skip probes still in flight, then the exact sequence must follow.
          let next = await z.receive();
          while (next[0]!.toString() === "zeek.a.probe") next = await z.receive();
          const got = [next, ...(await zrecvAll(z, msgs.length - 1))];
          assert.deepEqual(got.map(hex), msgs.map(hex));
        } finally {
          z.close();
          await pub.close();
        }
      });
    }
  }
});

describe("libzmq publishers -> TS subscribers", () => {
  for (const dir of DIRS) {
    for (const peer of ["XPUB", "PUB"] as const) {
      test(`libzmq ${peer} -> TS XSUB (${dir})`, async () => {
        const xsub = new XSub();
        const z = peer === "XPUB" ? new zmq.XPublisher(ropts) : new zmq.Publisher(zopts);
        try {
          await wire(xsub, z, dir);
          xsub.send([Buffer.from("\x01zeek.a")]);
          if (z instanceof zmq.XPublisher) assert.deepEqual(hex(await z.receive()), hex([Buffer.from("\x01zeek.a")]));
          const msgs = testMessages("zeek.a.topic");
          const first = await probe(() => z.send([Buffer.from("zeek.a.probe")]), take(xsub, 1));
          assert.deepEqual(first.map(hex), [hex([Buffer.from("zeek.a.probe")])]);
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
      test(`libzmq ${peer} -> TS SUB (${dir})`, async () => {
        const sub = new Sub();
        const z = peer === "XPUB" ? new zmq.XPublisher(ropts) : new zmq.Publisher(zopts);
        try {
          await wire(sub, z, dir);
          sub.subscribe("zeek.a");
          const first = await probe(() => z.send([Buffer.from("zeek.a.probe")]), take(sub, 1));
          assert.deepEqual(first.map(hex), [hex([Buffer.from("zeek.a.probe")])]);
          // SUB filters on receipt too: a libzmq XPUB with no filtering of its own still must not leak.
          await z.send([Buffer.from("zeek.b"), Buffer.from("filtered")]);
          const msgs = testMessages("zeek.a.topic");
          for (const m of msgs) await z.send(m);
          let got = await take(sub, 1);
          while (got[0]![0]!.toString() === "zeek.a.probe") got = await take(sub, 1);
          got.push(...(await take(sub, msgs.length - 1)));
          assert.deepEqual(got.map(hex), msgs.map(hex));
        } finally {
          z.close();
          await sub.close();
        }
      });
    }
  }
});
