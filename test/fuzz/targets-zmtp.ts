// Fuzz targets for the ZMTP transport: the frame parser (whole and split at every chunk
// boundary), the greeting parser, and the READY property parser. A hostile length must never
// allocate: the parser only ever holds bytes that actually arrived.
import { FrameParser, type FrameSink, encodeCommand, encodeFrame, encodeProperties, parseProperties } from "../../src/transport/frame.js";
import { encodeGreeting, parseGreeting } from "../../src/transport/greeting.js";
import type { FuzzTarget } from "./harness.js";

const sink: FrameSink = { onMessage: () => {}, onCommand: () => {} };

function frames(): Uint8Array[] {
  const ready = encodeCommand("READY", encodeProperties([["Socket-Type", Buffer.from("XPUB")]]));
  const msg = Buffer.concat([encodeFrame(Buffer.from("zeek.cluster.nodeid.x."), true), encodeFrame(Buffer.from("node")), encodeFrame(Buffer.alloc(300, 7))]);
  const ping = Buffer.from("040d0450494e470000637478313233", "hex");
  const sub = Buffer.from("04 1e 09 53 55 42 53 43 52 49 42 45 7a 65 65 6b 2e 63 6c 75 73 74 65 72 2e 6d 61 6e 61 67 65 72".replace(/ /g, ""), "hex");
  return [ready, msg, ping, sub, Buffer.concat([ready, msg, sub, ping, encodeFrame(Buffer.alloc(0))])];
}

export const zmtpTargets: FuzzTarget[] = [
  {
    name: "zmtp-frames",
    seeds: frames,
    decode(input) {
      const buf = Buffer.from(input);
      new FrameParser(1 << 20).feed(buf, sink);
      // The same bytes in two chunks at a position derived from the input.
      const p = new FrameParser(-1);
      const cut = buf.length ? buf[0]! % (buf.length + 1) : 0;
      p.feed(buf.subarray(0, cut), sink);
      p.feed(buf.subarray(cut), sink);
      return p.idle;
    },
  },
  {
    name: "zmtp-greeting",
    seeds: () => [encodeGreeting("NULL"), encodeGreeting("CURVE", true)],
    decode: (input) => parseGreeting(Buffer.from(input)),
  },
  {
    name: "zmtp-properties",
    seeds: () => [encodeProperties([["Socket-Type", Buffer.from("XSUB")], ["Identity", Buffer.alloc(0)], ["X-Foo", Buffer.alloc(300, 1)]])],
    decode: (input) => parseProperties(Buffer.from(input)),
  },
];
