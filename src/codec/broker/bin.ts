// broker-bin-v1: Broker's binary encoding of broker::data (tag byte + payload, varbyte lengths,
// big-endian integers, CAF-packed doubles). The decoder is total: any input either yields a Data
// or throws one DecodeError; nothing is allocated beyond what the input itself can fill.
import { DecodeError, EncodeError } from "../../errors.js";
import { ByteWriter } from "../writer.js";
import { packReal, unpackReal } from "./caf-real.js";
import { compareData, PortProtocol, Tag, type Data } from "./data.js";

export const FORMAT = "broker-bin-v1";

/** Nesting limit for containers; Zeek's own values are far shallower. */
export const MAX_DEPTH = 64;

const EMPTY = Buffer.alloc(0);

/** Signed big-endian int32 at `p`; the caller checked the bounds (cheaper than readInt32BE's checks). */
export function be32(b: Buffer, p: number): number {
  return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
}

/** Cursor over a broker-bin-v1 buffer. Exposed so typed decoders can share the primitives. */
export class BinReader {
  pos = 0;
  end = 0;
  buf: Buffer = EMPTY;
  /** Where the input starts in `buf`: error offsets are relative to it. */
  private base = 0;

  constructor(input: Uint8Array, start = 0, end = input.length) {
    this.reset(input, start, end);
  }

  /** Points the reader at new input (hot paths reuse one reader instead of allocating one per message). */
  reset(input: Uint8Array, start = 0, end = input.length): this {
    this.buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    this.pos = this.base = start;
    this.end = end;
    return this;
  }

  fail(code: DecodeError["code"], detail: string, at = this.pos): never {
    // No stack trace: the error is about a peer's bytes (the offset says where), and capturing a
    // stack made each malformed message cost 5x a good one, a cheap way for a peer to load a node.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const e = new DecodeError(FORMAT, code, at - this.base, detail);
    Error.stackTraceLimit = limit;
    throw e;
  }

  need(n: number): void {
    if (this.end - this.pos < n) this.fail("truncated", `need ${n} bytes, ${this.end - this.pos} left`);
  }

  u8(): number {
    if (this.pos >= this.end) this.fail("truncated", "need 1 byte, 0 left");
    return this.buf[this.pos++]!;
  }

  /** Varbyte (LEB128, at most 32 bits) length or count. */
  varbyte(): number {
    let v = 0;
    let shift = 0;
    const start = this.pos;
    for (;;) {
      const b = this.u8();
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) this.fail("too-large", "varbyte length exceeds 32 bits", start);
    }
    if (v > 0xffffffff) this.fail("too-large", "varbyte length exceeds 32 bits", start);
    return v;
  }

  /** A count of elements that each need at least `minBytes` bytes: bounded by the input. */
  count(minBytes: number): number {
    const start = this.pos;
    const n = this.varbyte();
    if (n * minBytes > this.end - this.pos) this.fail("too-large", `container of ${n} elements exceeds the input`, start);
    return n;
  }

  // One BigInt from a double when the value fits 53 bits (the common case), which is several
  // times cheaper than Buffer#readBigUInt64BE.
  u64(): bigint {
    this.need(8);
    const b = this.buf;
    const hi = be32(b, this.pos) >>> 0;
    const lo = be32(b, this.pos + 4) >>> 0;
    this.pos += 8;
    return hi < 0x200000 ? BigInt(hi * 0x100000000 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }

  i64(): bigint {
    this.need(8);
    const b = this.buf;
    const hi = be32(b, this.pos);
    const lo = be32(b, this.pos + 4) >>> 0;
    this.pos += 8;
    return hi >= -0x200000 && hi < 0x200000 ? BigInt(hi * 0x100000000 + lo) : (BigInt(hi) << 32n) + BigInt(lo);
  }

  /** int64 nanoseconds as a double (Zeek's time/interval conversion: ns / 1e9). */
  nsAsSeconds(): number {
    this.need(8);
    const hi = be32(this.buf, this.pos);
    const lo = be32(this.buf, this.pos + 4) >>> 0;
    this.pos += 8;
    // hi * 2^32 is exact, so the sum rounds once: the same double as C's int64 -> double.
    return (hi * 0x100000000 + lo) / 1e9;
  }

  /** Skips a varbyte-length string and returns its [start, end) in `buf`. */
  stringSpan(): number {
    const start = this.pos;
    // Lengths below 128 (one varbyte) are the common case.
    const n = start < this.end && this.buf[start]! < 0x80 ? this.buf[this.pos++]! : this.varbyte();
    if (n > this.end - this.pos) this.fail("truncated", `string of ${n} bytes exceeds the input`, start);
    this.pos += n;
    return this.pos - n;
  }

  real(): number {
    this.need(8);
    const v = unpackReal(this.buf, this.pos);
    this.pos += 8;
    return v;
  }

  bytes(): Buffer {
    const start = this.pos;
    const n = this.varbyte();
    if (n > this.end - this.pos) this.fail("truncated", `string of ${n} bytes exceeds the input`, start);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  string(): string {
    const b = this.bytes();
    return b.toString("utf8");
  }

  expectTag(tag: number, what: string): void {
    const at = this.pos;
    const t = this.u8();
    if (t !== tag) this.fail("bad-tag", `expected ${what} (tag ${tag}), got tag ${t}`, at);
  }

  data(depth = 0): Data {
    const at = this.pos;
    const tag = this.u8();
    switch (tag) {
      case Tag.none:
        return { type: "none" };
      case Tag.boolean:
        return { type: "boolean", value: this.u8() !== 0 };
      case Tag.count:
        return { type: "count", value: this.u64() };
      case Tag.integer:
        return { type: "integer", value: this.i64() };
      case Tag.real:
        return { type: "real", value: this.real() };
      case Tag.string:
        return { type: "string", value: this.bytes() };
      case Tag.address:
        this.need(16);
        return { type: "address", value: this.take(16) };
      case Tag.subnet: {
        this.need(17);
        const address = this.take(16);
        const length = this.u8();
        if (length > 128) this.fail("invalid", `subnet length ${length} > 128`, this.pos - 1);
        return { type: "subnet", address, length };
      }
      case Tag.port: {
        this.need(3);
        const number = this.buf.readUInt16BE(this.pos);
        this.pos += 2;
        const p = this.u8();
        if (p > 3) this.fail("bad-tag", `port protocol ${p} (0-3 allowed)`, this.pos - 1);
        return { type: "port", number, protocol: PortProtocol[p]! };
      }
      case Tag.timestamp:
        return { type: "timestamp", value: this.i64() };
      case Tag.timespan:
        return { type: "timespan", value: this.i64() };
      case Tag.enum:
        return { type: "enum-value", value: this.string() };
      case Tag.set:
      case Tag.vector: {
        if (depth >= MAX_DEPTH) this.fail("too-deep", `nesting deeper than ${MAX_DEPTH}`, at);
        const n = this.count(1);
        const out: Data[] = [];
        for (let i = 0; i < n; i++) out.push(this.data(depth + 1));
        if (tag === Tag.vector) return { type: "vector", value: out };
        this.checkUnique(out, at, "set element");
        return { type: "set", value: out };
      }
      case Tag.table: {
        if (depth >= MAX_DEPTH) this.fail("too-deep", `nesting deeper than ${MAX_DEPTH}`, at);
        const n = this.count(2);
        const out: [Data, Data][] = [];
        for (let i = 0; i < n; i++) out.push([this.data(depth + 1), this.data(depth + 1)]);
        this.checkUnique(
          out.map((e) => e[0]),
          at,
          "table key",
        );
        return { type: "table", value: out };
      }
      default:
        return this.fail("bad-tag", `unknown data tag ${tag}`, at);
    }
  }

  /**
   * Checks one value as data() would read it, without building it (no allocation): for payloads
   * nobody decodes, which must still be valid. Set and table duplicates are not looked for.
   */
  skip(depth = 0): void {
    const at = this.pos;
    const tag = this.u8();
    switch (tag) {
      case Tag.none:
        return;
      case Tag.boolean:
        this.need(1);
        this.pos += 1;
        return;
      case Tag.count:
      case Tag.integer:
      case Tag.real:
      case Tag.timestamp:
      case Tag.timespan:
        this.need(8);
        this.pos += 8;
        return;
      case Tag.string:
      case Tag.enum:
        this.stringSpan();
        return;
      case Tag.address:
        this.need(16);
        this.pos += 16;
        return;
      case Tag.subnet:
        this.need(17);
        if (this.buf[this.pos + 16]! > 128) this.fail("invalid", `subnet length ${this.buf[this.pos + 16]} > 128`, this.pos + 16);
        this.pos += 17;
        return;
      case Tag.port:
        this.need(3);
        if (this.buf[this.pos + 2]! > 3) this.fail("bad-tag", `port protocol ${this.buf[this.pos + 2]} (0-3 allowed)`, this.pos + 2);
        this.pos += 3;
        return;
      case Tag.set:
      case Tag.vector:
      case Tag.table: {
        if (depth >= MAX_DEPTH) this.fail("too-deep", `nesting deeper than ${MAX_DEPTH}`, at);
        const n = tag === Tag.table ? this.count(2) * 2 : this.count(1);
        for (let i = 0; i < n; i++) this.skip(depth + 1);
        return;
      }
      default:
        this.fail("bad-tag", `unknown data tag ${tag}`, at);
    }
  }

  private take(n: number): Uint8Array {
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  // Broker rejects sets/tables with duplicates (it re-inserts into ordered containers).
  private checkUnique(keys: Data[], at: number, what: string): void {
    if (keys.length < 2) return;
    const sorted = [...keys].sort(compareData);
    for (let i = 1; i < sorted.length; i++)
      if (compareData(sorted[i - 1]!, sorted[i]!) === 0) this.fail("duplicate", `duplicate ${what}`, at);
  }
}

/** Decodes one complete broker-bin-v1 value; trailing bytes are an error, as in Broker. */
export function decodeData(input: Uint8Array): Data {
  const r = new BinReader(input);
  const d = r.data();
  if (r.pos !== r.end) r.fail("trailing", `${r.end - r.pos} bytes after the value`);
  return d;
}

export function writeVarbyte(w: ByteWriter, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new EncodeError("length", `${n} does not fit Broker's 32-bit varbyte`);
  while (n >= 0x80) {
    w.u8((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  w.u8(n);
}

export function writeBytes(w: ByteWriter, b: Uint8Array): void {
  writeVarbyte(w, b.length);
  w.bytes(b);
}

export function writeString(w: ByteWriter, s: string): void {
  const len = Buffer.byteLength(s, "utf8");
  writeVarbyte(w, len);
  w.utf8(s);
}

export function writeReal(w: ByteWriter, x: number): void {
  w.ensure(8);
  packReal(x, w.buf, w.pos);
  w.pos += 8;
}

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

function checkRange(v: bigint, lo: bigint, hi: bigint, what: string, path: string): void {
  if (v < lo || v > hi) throw new EncodeError(path, `${what} ${v} out of range [${lo}, ${hi}]`);
}

/** Appends one Data value in broker-bin-v1, in the order given (no re-sorting). */
export function writeData(w: ByteWriter, d: Data, path = "value"): void {
  switch (d.type) {
    case "none":
      w.u8(Tag.none);
      return;
    case "boolean":
      w.u8(Tag.boolean);
      w.u8(d.value ? 1 : 0);
      return;
    case "count":
      checkRange(d.value, 0n, U64_MAX, "count", path);
      w.u8(Tag.count);
      w.u64(d.value);
      return;
    case "integer":
      checkRange(d.value, I64_MIN, I64_MAX, "integer", path);
      w.u8(Tag.integer);
      w.i64(d.value);
      return;
    case "real":
      w.u8(Tag.real);
      writeReal(w, d.value);
      return;
    case "string":
      w.u8(Tag.string);
      writeBytes(w, d.value);
      return;
    case "address":
      if (d.value.length !== 16) throw new EncodeError(path, `address must be 16 bytes, got ${d.value.length}`);
      w.u8(Tag.address);
      w.bytes(d.value);
      return;
    case "subnet":
      if (d.address.length !== 16) throw new EncodeError(path, `subnet address must be 16 bytes`);
      if (!Number.isInteger(d.length) || d.length < 0 || d.length > 128) throw new EncodeError(path, `subnet length ${d.length} not in 0..128`);
      w.u8(Tag.subnet);
      w.bytes(d.address);
      w.u8(d.length);
      return;
    case "port": {
      const p = PortProtocol.indexOf(d.protocol);
      if (!Number.isInteger(d.number) || d.number < 0 || d.number > 65535 || p < 0) throw new EncodeError(path, `bad port ${d.number}/${d.protocol}`);
      w.u8(Tag.port);
      w.u16(d.number);
      w.u8(p);
      return;
    }
    case "timestamp":
    case "timespan":
      checkRange(d.value, I64_MIN, I64_MAX, d.type, path);
      w.u8(d.type === "timestamp" ? Tag.timestamp : Tag.timespan);
      w.i64(d.value);
      return;
    case "enum-value":
      w.u8(Tag.enum);
      writeString(w, d.value);
      return;
    case "set":
    case "vector":
      w.u8(d.type === "set" ? Tag.set : Tag.vector);
      writeVarbyte(w, d.value.length);
      for (let i = 0; i < d.value.length; i++) writeData(w, d.value[i]!, `${path}[${i}]`);
      return;
    case "table":
      w.u8(Tag.table);
      writeVarbyte(w, d.value.length);
      for (let i = 0; i < d.value.length; i++) {
        writeData(w, d.value[i]![0], `${path}[${i}].key`);
        writeData(w, d.value[i]![1], `${path}[${i}].value`);
      }
      return;
  }
}

export function encodeData(d: Data): Buffer {
  const w = new ByteWriter();
  writeData(w, d);
  return w.finish();
}
