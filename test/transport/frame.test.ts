// The frame parser, greeting and endpoint syntax in isolation: every vector whole, byte by byte
// and split at every position; hostile lengths; the fuzz targets for the transport.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, DecodeError } from "../../src/errors.js";
import { FrameParser, type FrameSink, encodeCommand, encodeFrame, encodeProperties, parseProperties } from "../../src/transport/frame.js";
import { encodeGreeting, parseGreeting } from "../../src/transport/greeting.js";
import { parseEndpoint } from "../../src/transport/endpoint.js";
import type { PackedMessage } from "../../src/transport/packed.js";
import { NULL_GREETING, READY, h } from "./raw.js";

function record(): { sink: FrameSink; out: string[] } {
  const out: string[] = [];
  return {
    out,
    sink: {
      onMessage: (msg) => out.push(`msg:${msg.frames().map((f) => f.toString("hex")).join(",")}`),
      onCommand: (name, data) => out.push(`cmd:${name}:${data.toString("hex")}`),
    },
  };
}

const STREAM = Buffer.concat([
  READY("XPUB"),
  encodeFrame(Buffer.from("topic"), true),
  encodeFrame(Buffer.alloc(0), true),
  encodeFrame(Buffer.alloc(300, 0xcd)),
  h("02 00 00 00 00 00 00 00 03 61 62 63"), // LONG flag with a 3-byte body: accepted
  encodeCommand("PING", h("0000")),
]);

describe("FrameParser", () => {
  test("whole, byte by byte and split anywhere give the same result", () => {
    const whole = record();
    new FrameParser().feed(STREAM, whole.sink);
    assert.deepEqual(whole.out, [
      `cmd:READY:${h("0b 53 6f 63 6b 65 74 2d 54 79 70 65 00 00 00 04").toString("hex")}${Buffer.from("XPUB").toString("hex")}`,
      `msg:${Buffer.from("topic").toString("hex")},,${"cd".repeat(300)}`,
      "msg:616263",
      "cmd:PING:0000",
    ]);
    const bytewise = record();
    const p = new FrameParser();
    for (const b of STREAM) p.feed(Buffer.of(b), bytewise.sink);
    assert.deepEqual(bytewise.out, whole.out);
    assert.ok(p.idle);
    for (let cut = 0; cut <= STREAM.length; cut++) {
      for (const cut2 of [cut, Math.min(STREAM.length, cut + 7), STREAM.length]) {
        const r = record();
        const q = new FrameParser();
        q.feed(STREAM.subarray(0, cut), r.sink);
        q.feed(STREAM.subarray(cut, cut2), r.sink);
        q.feed(STREAM.subarray(cut2), r.sink);
        assert.deepEqual(r.out, whole.out, `split at ${cut}/${cut2}`);
      }
    }
  });

  test("a message inside one chunk is spans of that chunk (no copy); one split across chunks is packed into one buffer", () => {
    const msgs: PackedMessage[] = [];
    const sink: FrameSink = { onMessage: (m) => msgs.push(m), onCommand: () => {} };
    const chunk = Buffer.concat([encodeFrame(Buffer.from("topic"), true), encodeFrame(Buffer.from("abc"))]);
    const parser = new FrameParser();
    parser.feed(chunk, sink);
    assert.equal(msgs[0]!.buf, chunk);
    assert.deepEqual(msgs[0]!.spans, [2, 7, 9, 12]);
    assert.equal(msgs[0]!.wireStart, 0); // chunk[0, 12) is the message as sent: a proxy copies it once
    // The same message cut inside its second frame, then between its frames.
    for (const cut of [10, 7]) {
      parser.feed(chunk.subarray(0, cut), sink);
      parser.feed(chunk.subarray(cut), sink);
    }
    for (const m of msgs.slice(1)) {
      assert.equal(m.wireStart, -1);
      assert.deepEqual(m.frames().map(String), ["topic", "abc"]);
      assert.equal(m.frameCount, 2);
      assert.ok(m.frameEquals(0, Buffer.from("topic")) && !m.frameEquals(1, Buffer.from("abd")));
    }
    assert.equal(msgs.length, 3);
    assert.ok(parser.idle);
  });

  const bad: [string, Buffer, string, number][] = [
    ["reserved flag bits", h("08 00"), "bad-tag", 0],
    ["a command with MORE", h("05 01 00"), "invalid", 0],
    ["a command inside a multi-part message", h("01 01 61 04 01 01"), "invalid", 3],
    ["a command without a name", h("04 00"), "truncated", 2],
    ["a command name past its body", h("04 02 05 41"), "truncated", 2],
    ["a 2^63 length", h("02 80 00 00 00 00 00 00 00"), "too-large", 0],
  ];
  for (const [what, bytes, code, offset] of bad) {
    test(`rejects ${what}`, () => {
      assert.throws(
        () => new FrameParser().feed(bytes, record().sink),
        (e: unknown) => e instanceof DecodeError && e.code === code && e.offset === offset,
      );
    });
  }

  test("maxMessageSize bounds the sum of a message's frames", () => {
    const p = new FrameParser(10);
    const r = record();
    p.feed(Buffer.concat([encodeFrame(Buffer.alloc(5), true), encodeFrame(Buffer.alloc(5))]), r.sink);
    assert.equal(r.out.length, 1);
    assert.throws(() => p.feed(Buffer.concat([encodeFrame(Buffer.alloc(6), true), encodeFrame(Buffer.alloc(5))]), r.sink), DecodeError);
  });

  test("a huge declared length holds only the bytes that arrived", () => {
    const p = new FrameParser();
    p.feed(h("02 00 00 00 00 80 00 00 00"), record().sink); // 2 GiB declared
    p.feed(Buffer.alloc(1000), record().sink);
    assert.equal(p.idle, false);
  });
});

describe("greeting, properties, endpoints", () => {
  test("greeting bytes are libzmq's", () => {
    assert.deepEqual(encodeGreeting("NULL"), NULL_GREETING);
    assert.deepEqual(parseGreeting(NULL_GREETING), { major: 3, minor: 1, mechanism: "NULL", asServer: false });
    const v30 = Buffer.from(NULL_GREETING);
    v30[11] = 0;
    assert.equal(parseGreeting(v30).minor, 0);
  });

  test("properties round-trip, case kept", () => {
    const props = parseProperties(encodeProperties([["Socket-Type", Buffer.from("PUSH")], ["X-a", Buffer.alloc(0)]]));
    assert.deepEqual([...props.keys()], ["Socket-Type", "X-a"]);
    assert.equal(props.get("Socket-Type")!.toString(), "PUSH");
  });

  test("libzmq endpoint syntax", () => {
    assert.deepEqual(parseEndpoint("tcp://127.0.0.1:5556"), { transport: "tcp", host: "127.0.0.1", port: 5556 });
    assert.deepEqual(parseEndpoint("tcp://*:5555"), { transport: "tcp", host: "*", port: 5555 });
    assert.deepEqual(parseEndpoint("tcp://[::1]:0"), { transport: "tcp", host: "::1", port: 0 });
    assert.deepEqual(parseEndpoint("ipc:///tmp/x.sock"), { transport: "ipc", path: "/tmp/x.sock" });
    for (const bad of ["udp://x:1", "tcp://::1:5", "tcp://host", "tcp://h:99999", "tcp://h:abc", "ipc://"]) {
      assert.throws(() => parseEndpoint(bad), ConfigError, bad);
    }
  });
});
