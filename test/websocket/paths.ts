// The two decoders of client events side by side, for tests and the fuzzer: whatever the fast path
// (fast-inbound.ts) accepts, the general one (inbound.ts) must accept with the same payload bytes.
import { writeEvent } from "../../src/codec/broker/event.js";
import type { EventDecl } from "../../src/codec/broker/typed.js";
import { ByteWriter } from "../../src/codec/writer.js";
import { convertEvent } from "../../src/websocket/fast-inbound.js";
import { decodeDataMessage } from "../../src/websocket/inbound.js";

type Lookup = (name: string) => EventDecl<readonly unknown[]> | undefined;

/** The fast path's payload, or undefined if it leaves the message to the general decoder. */
export function fastPayload(input: Buffer, lookup: Lookup, unknown: "forward" | "reject"): Buffer | undefined {
  const w = new ByteWriter(64);
  let start = -1;
  const name = convertEvent(input, w, () => void (start = w.pos), lookup, unknown);
  return name === undefined ? undefined : Buffer.from(w.buf.subarray(start, w.pos));
}

/** The general path's payload, or undefined if it answers with an error. */
export function generalPayload(input: Buffer, lookup: Lookup, unknown: "forward" | "reject"): Buffer | undefined {
  const r = decodeDataMessage(input, lookup, unknown);
  if (!r.ok) return undefined;
  const w = new ByteWriter(64);
  writeEvent(w, r.event);
  return w.finish();
}

/** Throws if the fast path accepted what the general one refuses, or wrote other bytes. */
export function checkPaths(input: Buffer, lookup: Lookup, unknown: "forward" | "reject"): boolean {
  const fast = fastPayload(input, lookup, unknown);
  if (fast === undefined) return false;
  const general = generalPayload(input, lookup, unknown);
  if (general === undefined) throw new Error(`the fast path accepted what the general decoder refuses: ${input.toString("latin1").slice(0, 300)}`);
  if (!fast.equals(general)) throw new Error(`the fast path wrote ${fast.toString("hex")}, the general decoder ${general.toString("hex")}`);
  return true;
}
