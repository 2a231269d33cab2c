// Fuzz targets for the Broker codecs, seeded with every event a real Zeek sent.
import { decodeData } from "../../src/codec/broker/bin.js";
import { decodeEvent } from "../../src/codec/broker/event.js";
import { decodeJsonData } from "../../src/codec/broker/json.js";
import { checkEvent, eventFromSignature, readEventName } from "../../src/codec/broker/typed.js";
import { binEvents, discoveryEvents, jsonEvents } from "../broker/fixtures.js";
import type { FuzzTarget } from "./harness.js";

const binSeeds = () => [...binEvents(), ...discoveryEvents()].map((m) => new Uint8Array(m.parts[3]!));
const hello = eventFromSignature("Cluster::hello(name: string, id: string)");
const mixed = eventFromSignature("Fixture::many_args(seq: count, a1: bool, a2: int, a3: count, a4: double, a5: time, a6: interval, a7: string, a8: addr, a9: subnet, a10: port, a11: enum, a12: enum, a13: set[string], a14: table[string] of count, a15: vector of count, a16: record { n: count; label: string &optional; where: addr; }, a17: string, a18: count, a19: addr, a20: bool, a21: int, a22: vector of string, a23: count)");

export const brokerTargets: FuzzTarget[] = [
  { name: "broker-bin-v1 data", seeds: binSeeds, decode: decodeData },
  { name: "broker-bin-v1 event", seeds: () => binSeeds().filter((s) => safe(() => decodeEvent(s))), decode: decodeEvent },
  { name: "broker-bin-v1 event check (unhandled events)", seeds: () => binSeeds().filter((s) => safe(() => decodeEvent(s))), decode: checkEvent },
  { name: "broker-bin-v1 typed event", seeds: () => binSeeds().filter((s) => safe(() => mixed.decode(s)) || safe(() => hello.decode(s))), decode: (b) => (readEventName(b) === hello.name ? hello.decode(b) : mixed.decode(b)) },
  { name: "broker-json-v1 data", seeds: () => jsonEvents().map((m) => new Uint8Array(m.parts[3]!)), decode: decodeJsonData },
];

function safe(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch {
    return false;
  }
}
