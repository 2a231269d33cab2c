// Signature-driven conversion between JS values and Broker data, so that a JS value goes out as
// exactly the wire type Zeek expects for the declared Zeek type, and comes back typed. Scalars,
// vectors and records are read and written straight from/to bytes (the hot path); sets and tables
// go through Data because Zeek sends them in Broker's canonical order.
import { DecodeError, EncodeError } from "../../errors.js";
import { formatAddress, maskAddress, parseAddress } from "../addr.js";
import { decodeZeekString, encodeZeekString, hasEscapedBytes } from "../text.js";
import { ByteWriter } from "../writer.js";
import { BinReader, MAX_DEPTH, writeData, writeReal, writeBytes, writeString, writeVarbyte } from "./bin.js";
import { canonicalSet, canonicalTable, PortProtocol, Tag, type Data } from "./data.js";
import { METADATA_NETWORK_TIMESTAMP, writeEventHead, writeEventMetadata, type EventMetadata, type ZeekEvent } from "./event.js";
import { parseSignature, typeName, type JsOf, type RecordField, type TypeScope, type ZType } from "./types.js";

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

function bad(path: string, t: ZType, v: unknown, why = ""): never {
  const shown = typeof v === "bigint" ? `${v}n` : typeof v === "string" ? JSON.stringify(v.slice(0, 60)) : String(v);
  throw new EncodeError(path, `cannot encode ${shown} as ${typeName(t)}${why ? ": " + why : ""}`);
}

function toBigInt(t: ZType, v: unknown, path: string, lo: bigint, hi: bigint): bigint {
  let b: bigint;
  if (typeof v === "bigint") b = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) b = BigInt(v);
  else return bad(path, t, v, "expected a bigint or a safe integer");
  if (b < lo || b > hi) bad(path, t, v, "out of range");
  return b;
}

/**
 * Seconds (number or Date) -> int64 ns as an integer-valued double, truncated toward zero like
 * Zeek's double->timespan cast (C++ computes the same double product).
 */
function nanos(t: ZType, v: unknown, path: string): number {
  const s = v instanceof Date ? v.getTime() / 1000 : v;
  if (typeof s !== "number" || !Number.isFinite(s)) return bad(path, t, v, "expected finite seconds");
  const ns = Math.trunc(s * 1e9);
  if (ns < -9223372036854775808 || ns >= 9223372036854775808) bad(path, t, v, "out of the int64 nanosecond range");
  return ns;
}

function toNanos(t: ZType, v: unknown, path: string): bigint {
  return BigInt(nanos(t, v, path));
}

function toAddress(t: ZType, v: unknown, path: string): Uint8Array {
  const a = typeof v === "string" ? parseAddress(v) : undefined;
  return a ?? bad(path, t, v, "expected IPv4 or IPv6 text");
}

function toSubnet(t: ZType, v: unknown, path: string): Data {
  if (typeof v !== "string") return bad(path, t, v, 'expected "addr/len"');
  const slash = v.lastIndexOf("/");
  const a = slash > 0 ? parseAddress(v.slice(0, slash)) : undefined;
  const len = /^\d{1,3}$/.test(v.slice(slash + 1)) ? Number(v.slice(slash + 1)) : -1;
  const raw = v.slice(0, slash).includes(":") ? len : len + 96;
  if (!a || len < 0 || raw > 128) return bad(path, t, v, 'expected "addr/len"');
  return { type: "subnet", address: maskAddress(a, raw), length: raw };
}

function toPort(t: ZType, v: unknown, path: string): { number: number; protocol: number } {
  const m = typeof v === "string" ? /^(\d{1,5})\/(tcp|udp|icmp|unknown)$/.exec(v) : null;
  const number = m ? Number(m[1]) : -1;
  if (!m || number > 65535) return bad(path, t, v, 'expected "<0-65535>/<tcp|udp|icmp|unknown>"');
  return { number, protocol: PortProtocol.indexOf(m[2] as PortProtocol) };
}

function toBytes(t: ZType, v: unknown, path: string): Uint8Array {
  if (typeof v === "string") return encodeZeekString(v);
  if (v instanceof Uint8Array) return v;
  return bad(path, t, v, "expected a string or Uint8Array");
}

function indexToData(index: readonly ZType[], k: unknown, path: string): Data {
  if (index.length === 1) return toData(index[0]!, k, path);
  if (!Array.isArray(k) || k.length !== index.length) return bad(path, { kind: "set", index }, k, `expected a ${index.length}-tuple key`);
  return { type: "vector", value: index.map((t, i) => toData(t, k[i], `${path}[${i}]`)) };
}

/** Converts a JS value of Zeek type `t` to Broker data. */
export function toData(t: ZType, v: unknown, path = "value"): Data {
  switch (t.kind) {
    case "bool":
      if (typeof v !== "boolean") return bad(path, t, v);
      return { type: "boolean", value: v };
    case "int":
      return { type: "integer", value: toBigInt(t, v, path, I64_MIN, I64_MAX) };
    case "count":
      return { type: "count", value: toBigInt(t, v, path, 0n, U64_MAX) };
    case "double":
      if (typeof v !== "number") return bad(path, t, v);
      return { type: "real", value: v };
    case "time":
      return { type: "timestamp", value: toNanos(t, v, path) };
    case "interval":
      return { type: "timespan", value: toNanos(t, v, path) };
    case "string":
    case "bytes":
      return { type: "string", value: toBytes(t, v, path) };
    case "addr":
      return { type: "address", value: toAddress(t, v, path) };
    case "subnet":
      return toSubnet(t, v, path);
    case "port": {
      const p = toPort(t, v, path);
      return { type: "port", number: p.number, protocol: PortProtocol[p.protocol]! };
    }
    case "enum":
      if (typeof v !== "string" || v === "") return bad(path, t, v, "expected the enum's name");
      return { type: "enum-value", value: v };
    case "pattern": {
      const p = v as { exact?: unknown; anywhere?: unknown } | null;
      if (typeof p !== "object" || p === null || typeof p.exact !== "string" || typeof p.anywhere !== "string") return bad(path, t, v, "expected { exact, anywhere }");
      return { type: "vector", value: [{ type: "string", value: Buffer.from(p.exact) }, { type: "string", value: Buffer.from(p.anywhere) }] };
    }
    case "any":
      if (typeof v !== "object" || v === null || typeof (v as { type?: unknown }).type !== "string") return bad(path, t, v, "expected Broker Data");
      return v as Data;
    case "set": {
      if (!Array.isArray(v) && !(v instanceof Set)) return bad(path, t, v, "expected an array or Set");
      return { type: "set", value: canonicalSet([...v].map((e, i) => indexToData(t.index, e, `${path}[${i}]`))) };
    }
    case "table": {
      if (!(v instanceof Map)) return bad(path, t, v, "expected a Map");
      const entries: [Data, Data][] = [];
      for (const [k, x] of v) entries.push([indexToData(t.index, k, `${path}.key`), toData(t.yield, x, `${path}.value`)]);
      return { type: "table", value: canonicalTable(entries) };
    }
    case "vector":
      if (!Array.isArray(v)) return bad(path, t, v, "expected an array");
      return { type: "vector", value: v.map((e, i) => toData(t.of, e, `${path}[${i}]`)) };
    case "record":
      return { type: "vector", value: recordFields(t.fields, v, path).map(([f, x]) => (x === undefined ? { type: "none" } : toData(f.type, x, `${path}.${f.name}`))) };
  }
}

function recordFields(fields: readonly RecordField[], v: unknown, path: string): [RecordField, unknown][] {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new EncodeError(path, "expected an object for a record");
  const o = v as Record<string, unknown>;
  return fields.map((f) => {
    const x = o[f.name] ?? undefined;
    if (x === undefined && !f.optional) throw new EncodeError(`${path}.${f.name}`, "missing value for a field that is not &optional");
    return [f, x];
  });
}

/** Writes a JS value of Zeek type `t` as broker-bin-v1 (no intermediate Data for scalars). */
export function writeTyped(w: ByteWriter, t: ZType, v: unknown, path: string): void {
  switch (t.kind) {
    case "bool":
      if (typeof v !== "boolean") bad(path, t, v);
      w.u8(Tag.boolean);
      w.u8(v ? 1 : 0);
      return;
    case "count":
      if (typeof v === "number" && v >= 0 && Number.isSafeInteger(v)) {
        w.u8(Tag.count);
        w.u64n(v);
        return;
      }
      w.u8(Tag.count);
      w.u64(toBigInt(t, v, path, 0n, U64_MAX));
      return;
    case "int":
      w.u8(Tag.integer);
      w.i64(toBigInt(t, v, path, I64_MIN, I64_MAX));
      return;
    case "double":
      if (typeof v !== "number") bad(path, t, v);
      w.u8(Tag.real);
      writeReal(w, v);
      return;
    case "time":
    case "interval":
      w.u8(t.kind === "time" ? Tag.timestamp : Tag.timespan);
      w.i64n(nanos(t, v, path));
      return;
    case "string":
      if (typeof v === "string" && !hasEscapedBytes(v)) {
        w.u8(Tag.string);
        writeString(w, v);
        return;
      }
      w.u8(Tag.string);
      writeBytes(w, toBytes(t, v, path));
      return;
    case "addr":
      w.u8(Tag.address);
      w.bytes(toAddress(t, v, path));
      return;
    case "port": {
      const p = toPort(t, v, path);
      w.u8(Tag.port);
      w.u16(p.number);
      w.u8(p.protocol);
      return;
    }
    case "enum":
      if (typeof v !== "string" || v === "") bad(path, t, v, "expected the enum's name");
      w.u8(Tag.enum);
      writeString(w, v);
      return;
    case "vector":
      if (!Array.isArray(v)) bad(path, t, v, "expected an array");
      w.u8(Tag.vector);
      writeVarbyte(w, v.length);
      for (let i = 0; i < v.length; i++) writeTyped(w, t.of, v[i], `${path}[${i}]`);
      return;
    case "record": {
      const fields = recordFields(t.fields, v, path);
      w.u8(Tag.vector);
      writeVarbyte(w, fields.length);
      for (const [f, x] of fields) {
        if (x === undefined) w.u8(Tag.none);
        else writeTyped(w, f.type, x, `${path}.${f.name}`);
      }
      return;
    }
    default:
      writeData(w, toData(t, v, path), path);
  }
}

// ---- decoding ----

function mismatch(at: number, t: ZType, got: string): never {
  throw new DecodeError("broker-bin-v1", "bad-tag", at, `expected ${typeName(t)}, got ${got}`);
}

function dataMismatch(t: ZType, d: Data, path: string): never {
  throw new DecodeError("broker-bin-v1", "bad-tag", 0, `${path}: expected ${typeName(t)}, got ${d.type}`);
}

function addrText(a: Uint8Array): string {
  return formatAddress(a);
}

/** Converts Broker data to the JS value of Zeek type `t` (Zeek's data_to_val rules). */
export function fromData(t: ZType, d: Data, path = "value"): unknown {
  switch (t.kind) {
    case "bool":
      return d.type === "boolean" ? d.value : dataMismatch(t, d, path);
    case "int":
      return d.type === "integer" ? d.value : dataMismatch(t, d, path);
    case "count":
      return d.type === "count" ? d.value : dataMismatch(t, d, path);
    case "double":
      return d.type === "real" ? d.value : dataMismatch(t, d, path);
    case "time":
      return d.type === "timestamp" ? Number(d.value) / 1e9 : dataMismatch(t, d, path);
    case "interval":
      return d.type === "timespan" ? Number(d.value) / 1e9 : dataMismatch(t, d, path);
    case "string":
      return d.type === "string" ? decodeZeekString(Buffer.from(d.value.buffer, d.value.byteOffset, d.value.byteLength)) : dataMismatch(t, d, path);
    case "bytes":
      return d.type === "string" ? d.value : dataMismatch(t, d, path);
    case "addr":
      return d.type === "address" ? addrText(d.value) : dataMismatch(t, d, path);
    case "subnet":
      if (d.type !== "subnet") return dataMismatch(t, d, path);
      return subnetText(d.address, d.length);
    case "port":
      return d.type === "port" ? `${d.number}/${d.protocol}` : dataMismatch(t, d, path);
    case "enum":
      return d.type === "enum-value" ? d.value : dataMismatch(t, d, path);
    case "pattern": {
      if (d.type !== "vector" || d.value.length !== 2 || d.value[0]!.type !== "string" || d.value[1]!.type !== "string") return dataMismatch(t, d, path);
      return { exact: Buffer.from(d.value[0]!.value).toString(), anywhere: Buffer.from(d.value[1]!.value).toString() };
    }
    case "any":
      return d;
    case "set":
      if (d.type !== "set") return dataMismatch(t, d, path);
      return d.value.map((e, i) => indexFromData(t.index, e, `${path}[${i}]`));
    case "table": {
      if (d.type !== "table") return dataMismatch(t, d, path);
      const m = new Map<unknown, unknown>();
      for (const [k, x] of d.value) m.set(indexFromData(t.index, k, `${path}.key`), fromData(t.yield, x, `${path}.value`));
      return m;
    }
    case "vector":
      if (d.type !== "vector") return dataMismatch(t, d, path);
      return d.value.map((e, i) => fromData(t.of, e, `${path}[${i}]`));
    case "record": {
      if (d.type !== "vector" || d.value.length < t.fields.length) return dataMismatch(t, d, path);
      const o: Record<string, unknown> = {};
      t.fields.forEach((f, i) => {
        const x = d.value[i]!;
        if (x.type === "none") {
          if (!f.optional) throw new DecodeError("broker-bin-v1", "invalid", 0, `${path}.${f.name}: unset value for a field that is not &optional`);
          return;
        }
        o[f.name] = fromData(f.type, x, `${path}.${f.name}`);
      });
      return o;
    }
  }
}

function subnetText(address: Uint8Array, raw: number): string {
  const v4 = address[10] === 0xff && address[11] === 0xff && address.subarray(0, 10).every((b) => b === 0);
  return `${addrText(address)}/${v4 ? raw - 96 : raw}`;
}

function indexFromData(index: readonly ZType[], d: Data, path: string): unknown {
  if (index.length === 1) return fromData(index[0]!, d, path);
  if (d.type !== "vector" || d.value.length !== index.length) return dataMismatch({ kind: "set", index }, d, path);
  return index.map((t, i) => fromData(t, d.value[i]!, `${path}[${i}]`));
}

const TAG_NAMES = ["none", "boolean", "count", "integer", "real", "string", "address", "subnet", "port", "timestamp", "timespan", "enum-value", "set", "table", "vector"];

/** Reads one value of a fixed Zeek type from broker-bin-v1 bytes. */
export type TypedReader = (r: BinReader, depth: number) => unknown;

function expectTag(r: BinReader, tag: number, t: ZType): void {
  const got = r.u8();
  if (got !== tag) mismatch(r.pos - 1, t, TAG_NAMES[got] ?? `tag ${got}`);
}

// Scalar readers are plain functions, so a compiled event decoder costs no closure per message.
const T_BOOL: ZType = { kind: "bool" };
const T_COUNT: ZType = { kind: "count" };
const T_INT: ZType = { kind: "int" };
const T_DOUBLE: ZType = { kind: "double" };
const T_TIME: ZType = { kind: "time" };
const T_INTERVAL: ZType = { kind: "interval" };
const T_STRING: ZType = { kind: "string" };
const T_ADDR: ZType = { kind: "addr" };

function readBool(r: BinReader): unknown {
  expectTag(r, Tag.boolean, T_BOOL);
  return r.u8() !== 0;
}
function readCount(r: BinReader): unknown {
  expectTag(r, Tag.count, T_COUNT);
  return r.u64();
}
function readInt(r: BinReader): unknown {
  expectTag(r, Tag.integer, T_INT);
  return r.i64();
}
function readDouble(r: BinReader): unknown {
  expectTag(r, Tag.real, T_DOUBLE);
  return r.real();
}
function readTime(r: BinReader): unknown {
  expectTag(r, Tag.timestamp, T_TIME);
  return r.nsAsSeconds();
}
function readInterval(r: BinReader): unknown {
  expectTag(r, Tag.timespan, T_INTERVAL);
  return r.nsAsSeconds();
}
function readString(r: BinReader): unknown {
  expectTag(r, Tag.string, T_STRING);
  const start = r.stringSpan();
  return decodeZeekString(r.buf, start, r.pos);
}
function readAddr(r: BinReader): unknown {
  expectTag(r, Tag.address, T_ADDR);
  r.need(16);
  const b = r.buf;
  const p = r.pos;
  r.pos += 16;
  if (b.readUInt32BE(p) === 0 && b.readUInt32BE(p + 4) === 0 && b.readUInt32BE(p + 8) === 0xffff) return `${b[p + 12]}.${b[p + 13]}.${b[p + 14]}.${b[p + 15]}`;
  return addrText(b.subarray(p, p + 16));
}

const SCALAR_READERS: Partial<Record<ZType["kind"], TypedReader>> = {
  bool: readBool,
  count: readCount,
  int: readInt,
  double: readDouble,
  time: readTime,
  interval: readInterval,
  string: readString,
  addr: readAddr,
};

/** Builds (once per declared type) a reader that decodes values of `t` straight from bytes. */
export function compileReader(t: ZType): TypedReader {
  const scalar = SCALAR_READERS[t.kind];
  if (scalar) return scalar;
  if (t.kind === "enum")
    return (r) => {
      expectTag(r, Tag.enum, t);
      return r.string();
    };
  if (t.kind === "vector") {
    const elem = compileReader(t.of);
    return (r, depth) => {
      const at = r.pos;
      expectTag(r, Tag.vector, t);
      if (depth >= MAX_DEPTH) r.fail("too-deep", `nesting deeper than ${MAX_DEPTH}`, at);
      const n = r.count(1);
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(elem(r, depth + 1));
      return out;
    };
  }
  if (t.kind === "record") {
    const fields = t.fields.map((f) => ({ f, read: compileReader(f.type) }));
    return (r, depth) => {
      const at = r.pos;
      expectTag(r, Tag.vector, t);
      if (depth >= MAX_DEPTH) r.fail("too-deep", `nesting deeper than ${MAX_DEPTH}`, at);
      const n = r.count(1);
      if (n < fields.length) r.fail("invalid", `record ${typeName(t)} needs ${fields.length} fields, got ${n}`, at);
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const field = fields[i];
        if (field === undefined) {
          r.data(depth + 1); // extra trailing elements are ignored, as Zeek does
          continue;
        }
        if (r.pos < r.end && r.buf[r.pos] === Tag.none) {
          if (!field.f.optional) r.fail("invalid", `unset value for ${field.f.name}, which is not &optional`);
          r.pos++;
          continue;
        }
        o[field.f.name] = field.read(r, depth + 1);
      }
      return o;
    };
  }
  // Sets and tables (canonical order, duplicate checks), ports, subnets, patterns, any.
  return (r, depth) => fromData(t, r.data(depth));
}

// ---- events ----

export interface EncodeEventOptions {
  /** Adds the network-timestamp metadata (seconds), like EventMetadata::add_network_timestamp. */
  networkTimestamp?: number;
}

/** A declared Zeek event: encodes and decodes its arguments with their declared types. */
export class EventDecl<A extends readonly unknown[] = unknown[]> {
  readonly nameBytes: Buffer;
  /** The envelope bytes up to the first argument (no metadata): written and checked as a block. */
  private readonly head: Buffer;
  private readonly readers: readonly TypedReader[];
  constructor(
    readonly name: string,
    readonly params: readonly RecordField[],
  ) {
    this.nameBytes = Buffer.from(name, "utf8");
    this.readers = params.map((p) => compileReader(p.type));
    const w = new ByteWriter(64);
    writeEventHead(w, name, params.length, false);
    this.head = w.finish();
  }

  /** Zeek's spelling: `name(a: count, b: string)`. */
  get signature(): string {
    return `${this.name}(${this.params.map((p) => `${p.name}: ${typeName(p.type)}`).join(", ")})`;
  }

  /** Appends the broker-bin-v1 payload of this event with `args` to `w`. */
  write(w: ByteWriter, args: A, options?: EncodeEventOptions): void {
    if (args.length !== this.params.length) throw new EncodeError(this.name, `expected ${this.params.length} arguments, got ${args.length}`);
    const meta: EventMetadata[] | undefined =
      options?.networkTimestamp === undefined
        ? undefined
        : [{ id: METADATA_NETWORK_TIMESTAMP, value: { type: "timestamp", value: toNanos({ kind: "time" }, options.networkTimestamp, "networkTimestamp") } }];
    if (meta) writeEventHead(w, this.name, args.length, true);
    else w.bytes(this.head);
    for (let i = 0; i < args.length; i++) {
      const p = this.params[i]!;
      if (args[i] === undefined && p.optional) w.u8(Tag.none);
      else writeTyped(w, p.type, args[i], `${this.name}.${p.name}`);
    }
    if (meta) writeEventMetadata(w, meta);
  }

  encode(args: A, options?: EncodeEventOptions): Buffer {
    const w = new ByteWriter(128);
    this.write(w, args, options);
    return w.finish();
  }

  /** The event as self-describing data (e.g. for broker-json-v1). */
  toEvent(args: A): ZeekEvent {
    return { name: this.name, args: this.params.map((p, i) => (args[i] === undefined && p.optional ? ({ type: "none" } as Data) : toData(p.type, args[i], `${this.name}.${p.name}`))) };
  }

  /** Typed arguments of a decoded event (any format); throws DecodeError on mismatch. */
  fromEvent(ev: ZeekEvent): A {
    if (ev.name !== this.name) throw new DecodeError("event", "invalid", 0, `event ${ev.name}, expected ${this.name}`);
    if (ev.args.length !== this.params.length) throw new DecodeError("event", "invalid", 0, `${this.name}: expected ${this.params.length} arguments, got ${ev.args.length}`);
    return this.params.map((p, i) => fromData(p.type, ev.args[i]!, `${this.name}.${p.name}`)) as unknown as A;
  }

  private startsWithHead(r: BinReader): boolean {
    const h = this.head;
    if (r.end - r.pos < h.length) return false;
    const b = r.buf;
    for (let i = 0, p = r.pos; i < h.length; i++, p++) if (b[p] !== h[i]) return false;
    r.pos += h.length;
    return true;
  }

  /** Decodes a broker-bin-v1 payload of this event straight into typed arguments. */
  decode(payload: Uint8Array): A {
    const r = new BinReader(payload);
    let hasMeta = false;
    if (!this.startsWithHead(r)) {
      // Not the common form: parse step by step for metadata or a precise error.
      hasMeta = readEnvelopeHead(r);
      const at = r.pos;
      const name = r.bytes();
      if (!name.equals(this.nameBytes)) r.fail("invalid", `event ${name.toString("utf8")}, expected ${this.name}`, at);
      r.expectTag(Tag.vector, "argument vector");
      const argc = r.count(1);
      if (argc !== this.params.length) r.fail("invalid", `${this.name}: expected ${this.params.length} arguments, got ${argc}`);
    }
    const argc = this.params.length;
    const args: unknown[] = [];
    for (let i = 0; i < argc; i++) args.push(this.readers[i]!(r, 0));
    if (hasMeta) {
      const m = r.data(1);
      if (m.type !== "vector") r.fail("invalid", "event metadata is not a vector");
    }
    if (r.pos !== r.end) r.fail("trailing", `${r.end - r.pos} bytes after the event`);
    return args as unknown as A;
  }
}

const ONE = Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 1]);

/** Reads up to the event name's string tag; returns whether a metadata element follows. */
function readEnvelopeHead(r: BinReader): boolean {
  r.expectTag(Tag.vector, "event envelope vector");
  if (r.u8() !== 3) r.fail("invalid", "event envelope is not vector(3)", r.pos - 1);
  r.need(18);
  if (!r.buf.subarray(r.pos, r.pos + 9).equals(ONE)) r.fail("invalid", "protocol version is not count 1");
  if (!r.buf.subarray(r.pos + 9, r.pos + 18).equals(ONE)) r.fail("invalid", "message type is not count 1 (event)", r.pos + 9);
  r.pos += 18;
  r.expectTag(Tag.vector, "event body vector");
  const n = r.u8();
  if (n !== 2 && n !== 3) r.fail("invalid", "event body is not vector(2|3)", r.pos - 1);
  r.expectTag(Tag.string, "event name");
  return n === 3;
}

/** The event name of a broker-bin-v1 payload, without decoding the arguments. */
export function readEventName(payload: Uint8Array): string {
  const r = new BinReader(payload);
  readEnvelopeHead(r);
  return r.string();
}

type ArgsOf<T extends readonly ZType[]> = { -readonly [K in keyof T]: JsOf<T[K]> };

/**
 * Declares an event once and gets typed encode/decode, e.g.
 * `const bench = defineEvent("bench", [z.string, z.count, z.addr, z.time], ["s", "c", "a", "t"])`
 * gives `bench.encode(["x", 1n, "10.0.0.1", 1700000000.5])` and `bench.decode(payload)` typed as
 * `[string, bigint, string, number]`. Parameter names are for messages and signatures only.
 */
export function defineEvent<const T extends readonly ZType[]>(name: string, params: T, paramNames?: readonly string[]): EventDecl<ArgsOf<T>> {
  return new EventDecl<ArgsOf<T>>(
    name,
    params.map((type, i) => ({ name: paramNames?.[i] ?? `arg${i}`, type, optional: false })),
  );
}

/** Declares an event from Zeek's signature text, e.g. `bench(s: string, c: count, a: addr, t: time)`. */
export function eventFromSignature(signature: string, scope?: TypeScope): EventDecl<unknown[]> {
  const s = parseSignature(signature, scope);
  return new EventDecl<unknown[]>(s.name, s.params);
}

