// The Zeek event envelope inside a broker-bin-v1 / broker-json-v1 payload:
//   vector[count 1 (protocol version), count 1 (Event), vector[name, vector args, vector metadata?]]
import { DecodeError, EncodeError } from "../../errors.js";
import { ByteWriter } from "../writer.js";
import { BinReader, FORMAT, writeData, writeString, writeVarbyte } from "./bin.js";
import { Tag, type Data } from "./data.js";

export const PROTOCOL_VERSION = 1n;
export const MESSAGE_TYPE_EVENT = 1n;
/** Event metadata id of the network timestamp (EventMetadata::NETWORK_TIMESTAMP). */
export const METADATA_NETWORK_TIMESTAMP = 1n;

export interface EventMetadata {
  readonly id: bigint;
  readonly value: Data;
}

/** A Zeek event in self-describing form. */
export interface ZeekEvent {
  readonly name: string;
  readonly args: readonly Data[];
  /** Present only when the sender attached metadata (Zeek 8.2 does not by default). */
  readonly metadata?: readonly EventMetadata[];
}

function fail(format: string, offset: number, detail: string): never {
  throw new DecodeError(format, "invalid", offset, `not a Zeek event envelope: ${detail}`);
}

/** Interprets a decoded Data value as a Zeek event envelope (format names the source). */
export function eventFromData(d: Data, format = FORMAT): ZeekEvent {
  if (d.type !== "vector" || d.value.length !== 3) return fail(format, 0, "expected vector(3)");
  const [ver, type, body] = d.value as [Data, Data, Data];
  if (ver.type !== "count" || ver.value !== PROTOCOL_VERSION) return fail(format, 0, "protocol version is not count 1");
  if (type.type !== "count" || type.value !== MESSAGE_TYPE_EVENT) return fail(format, 0, "message type is not count 1 (event)");
  if (body.type !== "vector" || (body.value.length !== 2 && body.value.length !== 3)) return fail(format, 0, "event body is not vector(2|3)");
  const [name, args, meta] = body.value as [Data, Data, Data | undefined];
  if (name.type !== "string") return fail(format, 0, "event name is not a string");
  if (args.type !== "vector") return fail(format, 0, "event arguments are not a vector");
  const ev: { name: string; args: readonly Data[]; metadata?: EventMetadata[] } = {
    name: Buffer.from(name.value).toString("utf8"),
    args: args.value,
  };
  if (meta !== undefined) {
    if (meta.type !== "vector") return fail(format, 0, "metadata is not a vector");
    ev.metadata = meta.value.map((m) => {
      if (m.type !== "vector" || m.value.length !== 2 || m.value[0]!.type !== "count") return fail(format, 0, "metadata entry is not vector[count, value]");
      const id = m.value[0]!.value;
      if (id === METADATA_NETWORK_TIMESTAMP && m.value[1]!.type !== "timestamp") return fail(format, 0, "network timestamp metadata is not a timestamp");
      return { id, value: m.value[1]! };
    });
  }
  return ev;
}

/** The envelope of `ev` as one Data value (what broker-json-v1 and the WebSocket API render). */
export function eventToData(ev: ZeekEvent): Data {
  const body: Data[] = [
    { type: "string", value: Buffer.from(ev.name, "utf8") },
    { type: "vector", value: ev.args },
  ];
  if (ev.metadata) body.push({ type: "vector", value: ev.metadata.map((m) => ({ type: "vector", value: [{ type: "count", value: m.id }, m.value] }) as Data) });
  return {
    type: "vector",
    value: [
      { type: "count", value: PROTOCOL_VERSION },
      { type: "count", value: MESSAGE_TYPE_EVENT },
      { type: "vector", value: body },
    ],
  };
}

/** Decodes a broker-bin-v1 event payload (the 4th part of a pub/sub message). */
export function decodeEvent(payload: Uint8Array): ZeekEvent {
  const r = new BinReader(payload);
  const d = r.data();
  if (r.pos !== r.end) r.fail("trailing", `${r.end - r.pos} bytes after the event`);
  return eventFromData(d);
}

/**
 * Writes the envelope header up to (and including) the args vector's element count; the
 * caller writes exactly `argc` values and then, if `metadata` is set, calls writeEventMetadata.
 */
export function writeEventHead(w: ByteWriter, name: string, argc: number, withMetadata: boolean): void {
  w.u8(Tag.vector);
  w.u8(3);
  w.u8(Tag.count);
  w.u64(PROTOCOL_VERSION);
  w.u8(Tag.count);
  w.u64(MESSAGE_TYPE_EVENT);
  w.u8(Tag.vector);
  w.u8(withMetadata ? 3 : 2);
  w.u8(Tag.string);
  writeString(w, name);
  w.u8(Tag.vector);
  writeVarbyte(w, argc);
}

export function writeEventMetadata(w: ByteWriter, metadata: readonly EventMetadata[]): void {
  w.u8(Tag.vector);
  writeVarbyte(w, metadata.length);
  for (const m of metadata) {
    if (m.id === METADATA_NETWORK_TIMESTAMP && m.value.type !== "timestamp") throw new EncodeError("metadata", "network timestamp must be a timestamp");
    w.u8(Tag.vector);
    w.u8(2);
    w.u8(Tag.count);
    w.u64(m.id);
    writeData(w, m.value, "metadata");
  }
}

/** Encodes a self-describing event as a broker-bin-v1 payload. */
export function encodeEvent(ev: ZeekEvent, w = new ByteWriter()): Buffer {
  writeEvent(w, ev);
  return w.finish();
}

/** Appends the broker-bin-v1 payload of a self-describing event to `w`. */
export function writeEvent(w: ByteWriter, ev: ZeekEvent): void {
  writeEventHead(w, ev.name, ev.args.length, ev.metadata !== undefined);
  for (let i = 0; i < ev.args.length; i++) writeData(w, ev.args[i]!, `${ev.name}.args[${i}]`);
  if (ev.metadata) writeEventMetadata(w, ev.metadata);
}
