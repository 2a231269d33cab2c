// Fuzz targets for the WebSocket API's JSON path, seeded with what the recording client sent a
// real Zeek 8.2.2 server and with the expected data messages: client messages (subscriptions
// and data messages, typed against a declaration or forwarded) decode to a value or one of
// Zeek's error contexts, never a throw, and the fast path accepts nothing the general one refuses
// and writes the same bytes; rendering a received event is total, and whatever it
// renders our own reader parses.
import { parseJson } from "../../src/codec/broker/json-text.js";
import { eventFromSignature } from "../../src/codec/broker/typed.js";
import { DecodeError } from "../../src/errors.js";
import { PackedMessage } from "../../src/transport/index.js";
import { decodeDataMessage, decodeSubscriptions } from "../../src/websocket/inbound.js";
import { EventRenderer } from "../../src/websocket/render.js";
import { binEvents, expectedLines } from "../broker/fixtures.js";
import { checkPaths } from "../websocket/paths.js";
import { transcript } from "../websocket/fixture.js";
import type { FuzzTarget } from "./harness.js";

const ping = eventFromSignature("Demo::ping(msg: string, c: count)");
const many = eventFromSignature(
  "Fixture::many_args(seq: count, a1: bool, a2: int, a3: count, a4: double, a5: time, a6: interval, a7: string, a8: addr, a9: subnet, a10: port, a11: enum, a12: enum, a13: set[string], a14: table[string] of count, a15: vector of count, a16: record { n: count; label: string &optional; where: addr; }, a17: string, a18: count, a19: addr, a20: bool, a21: int, a22: vector of string, a23: count)",
);
/** Compact messages as browsers send them (the fast path's shape), declared and not. */
const COMPACT = [
  '{"type":"data-message","topic":"bench.in","@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":"Bench::event"},{"@data-type":"vector","data":[{"@data-type":"string","data":"conn-established"},{"@data-type":"count","data":42},{"@data-type":"address","data":"192.168.1.100"},{"@data-type":"timestamp","data":"2023-11-14T22:13:20.123"}]}]}]}',
  '{"type":"data-message","topic":"/demo/ping","@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":"Demo::ping"},{"@data-type":"vector","data":[{"@data-type":"string","data":"x"},{"@data-type":"count","data":18446744073709551615}]}]}]}',
  '{"topic":"t","@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":"X::y"},{"@data-type":"vector","data":[{"@data-type":"integer","data":-5},{"@data-type":"real","data":-1.5e-3},{"@data-type":"boolean","data":true},{"@data-type":"port","data":"53/udp"},{"@data-type":"subnet","data":"10.0.0.0/8"},{"@data-type":"timespan","data":"3ms"},{"@data-type":"enum-value","data":"tcp"},{"@data-type":"vector","data":[]}]}]}]}',
].map((t) => new Uint8Array(Buffer.from(t)));

const lookup = (name: string) => (name === ping.name ? ping : name === many.name ? many : undefined);
const FORMAT = "websocket";

/** Both of Zeek's steps on one input: as a subscription message, then as a data message. */
function clientMessage(input: Uint8Array): unknown {
  const b = Buffer.from(input);
  checkPaths(b, lookup, "forward");
  checkPaths(b, lookup, "reject");
  const subs = decodeSubscriptions(input, 1000);
  const forwarded = decodeDataMessage(input, lookup, "forward");
  const rejected = decodeDataMessage(input, lookup, "reject");
  if (subs.ok || forwarded.ok || rejected.ok) return [subs, forwarded, rejected];
  throw new DecodeError(FORMAT, "invalid", 0, forwarded.detail);
}

const renderer = new EventRenderer();
const TOPIC = Buffer.from("zeek.fixtures.all-types");
const BIN = Buffer.from("broker-bin-v1");
const SENDER = Buffer.from("fuzz");

/** A received payload as the client's data message (DecodeError: not an event); the text must be readable JSON. */
function rendered(input: Uint8Array): unknown {
  const r = renderer.render(PackedMessage.of([TOPIC, SENDER, BIN, Buffer.from(input)]));
  try {
    parseJson(r.text, FORMAT);
  } catch (e) {
    throw new Error(`the rendered data message is not readable JSON: ${(e as Error).message}`, { cause: e });
  }
  return r;
}

export const websocketTargets: FuzzTarget[] = [
  {
    name: "websocket client message",
    // The harness needs seeds that decode: the transcript's refused messages are reached by mutation.
    seeds: () =>
      [...transcript().filter((e) => e.dir === "send").map((e) => new Uint8Array(Buffer.from(e.text!))), ...expectedLines().map((l) => new Uint8Array(l)), ...COMPACT].filter((s) => {
        try {
          clientMessage(s);
          return true;
        } catch {
          return false;
        }
      }),
    decode: clientMessage,
  },
  {
    name: "websocket data message rendering",
    seeds: () => binEvents().map((m) => new Uint8Array(m.parts[3]!)),
    decode: rendered,
  },
];
