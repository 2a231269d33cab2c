// Record lines of Zeek's ASCII writer (TSV and JSON) formatted straight from a serialized batch
// (wire.md §4), without building LogValues: a real Zeek batch of 1,000 conn records would
// otherwise allocate ~20,000 values (bigints, views, ports, addresses) only to print them. The
// common values (plain ASCII strings, numbers, IPv4/IPv6 addresses, ports, unset, sets of those)
// are copied or printed as bytes here. Any record holding something else (bytes that need
// escaping, typed values, subnets, nested containers, a value that does not match its column, or
// malformed bytes) is decoded by the codec's total decoder and printed by the reference
// formatters, so output and error handling are exactly those of decode + format.
import { decodeLogRecordAt, formatAddr, type LogField, type LogValue, TypeTag } from "../codec/zeek-log/index.js";
import { DecodeError } from "../errors.js";
import type { AsciiLogFormat } from "./format/ascii.js";
import { jsonQuote } from "./format/escape.js";
import { formatJsonLogRecord, type JsonFormatOptions } from "./format/json.js";
import { formatAsciiDouble, formatAsciiTime, formatJsonDouble } from "./format/numbers.js";
import type { ByteSink } from "./sink.js";

const TAB = 0x09;
const NL = 0x0a;
const DASH = 0x2d;
const COMMA = 0x2c;
const HASH = 0x23;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const EMPTY = Buffer.from("(empty)");
const TRUE_JSON = Buffer.from("true");
const FALSE_JSON = Buffer.from("false");
const NULL_JSON = Buffer.from("null");
/** Smallest encoding of one value (type, subtype, present). */
const VALUE_HEADER = 9;

/** What a column's values are printed as on the fast path. */
const enum K {
  Slow,
  Bool,
  Int,
  Count,
  Double,
  Time,
  Text,
  Port,
  Addr,
  Set,
}

function kindOf(type: number): K {
  switch (type) {
    case TypeTag.bool:
      return K.Bool;
    case TypeTag.int:
      return K.Int;
    case TypeTag.count:
      return K.Count;
    case TypeTag.double:
      return K.Double;
    case TypeTag.time:
    case TypeTag.interval:
      return K.Time;
    case TypeTag.string:
    case TypeTag.enum:
    case TypeTag.file:
    case TypeTag.func:
      return K.Text;
    case TypeTag.port:
      return K.Port;
    case TypeTag.addr:
      return K.Addr;
    case TypeTag.table:
    case TypeTag.vector:
      return K.Set;
    default:
      return K.Slow;
  }
}

/** Thrown inside a record that needs the reference path (never escapes this module). */
const SLOW = 1;

function isEmptyMarker(b: Uint8Array, p: number): boolean {
  for (let j = 0; j < 7; j++) if (b[p + j] !== EMPTY[j]) return false;
  return true;
}

function i32(b: Uint8Array, p: number): number {
  return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
}

function u32(b: Uint8Array, p: number): number {
  return i32(b, p) >>> 0;
}

/** Writes a non-negative integer below 2^53 in decimal. */
function writeUint(sink: ByteSink, v: number): void {
  if (v < 10) {
    sink.writeByte(0x30 + v);
    return;
  }
  sink.ensure(16);
  const buf = sink.buf;
  let digits = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
  let p = sink.pos + digits;
  sink.pos = p;
  if (v < 0x80000000) {
    while (v >= 10) {
      const q = (v / 10) | 0;
      buf[--p] = 0x30 + (v - q * 10);
      v = q;
    }
  } else {
    while (v >= 10) {
      const q = Math.floor(v / 10);
      buf[--p] = 0x30 + (v - q * 10);
      v = q;
    }
  }
  buf[--p] = 0x30 + v;
}

/**
 * Time/interval as Zeek prints it (std::to_chars fixed, 6 decimals, ties to even), without a
 * string for the common case: x * 1e6 below 2^51 is within 0.125 of the exact product, so its
 * rounding is certain unless its fraction is near one half; those, and everything else, take
 * the exact formatter.
 */
function writeTime(sink: ByteSink, x: number): void {
  const p = x * 1e6;
  if (x > 0 && p < 2 ** 51) {
    const fl = Math.floor(p);
    const frac = p - fl;
    if (frac < 0.25 || frac > 0.75) {
      const r = frac > 0.5 ? fl + 1 : fl;
      const ip = Math.floor(r / 1e6);
      let fp = r - ip * 1e6;
      writeUint(sink, ip);
      sink.ensure(7);
      const buf = sink.buf;
      const at = sink.pos;
      buf[at] = 0x2e;
      for (let i = 6; i >= 1; i--) {
        const q = (fp / 10) | 0;
        buf[at + i] = 0x30 + (fp - q * 10);
        fp = q;
      }
      sink.pos = at + 7;
      return;
    }
  }
  sink.writeAscii(formatAsciiTime(x));
}

/** formatJsonDouble(x) for finite x, written without the intermediate strings. */
function writeJsonDouble(sink: ByteSink, x: number): void {
  if (x === 0) return sink.writeAscii(formatJsonDouble(x));
  const s = String(x);
  const n = s.length;
  sink.ensure(n + 2);
  const buf = sink.buf;
  let o = sink.pos;
  let plain = true;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) plain = false;
    else if (c === 0x65) {
      plain = false;
      buf[o++] = c;
      // rapidjson writes no "+" in exponents.
      if (s.charCodeAt(i + 1) === 0x2b) i++;
      continue;
    }
    buf[o++] = c;
  }
  if (plain) {
    buf[o++] = 0x2e;
    buf[o++] = 0x30;
  }
  sink.pos = o;
}

/**
 * An int64 (`signed`) or uint64 at b[p] within +-2^53; false if beyond (printed exactly by the
 * reference path).
 */
function writeInt64(sink: ByteSink, b: Uint8Array, p: number, signed: boolean): boolean {
  const hi = i32(b, p);
  const lo = u32(b, p + 4);
  if (hi === 0) {
    writeUint(sink, lo);
    return true;
  }
  if (!signed) return hi > 0 && hi < 0x200000 ? (writeUint(sink, hi * 4294967296 + lo), true) : false;
  if (hi > 0 && hi < 0x200000) writeUint(sink, hi * 4294967296 + lo);
  else if (hi < 0 && hi >= -0x200000) {
    sink.writeByte(DASH);
    writeUint(sink, -(hi * 4294967296 + lo));
  } else return false;
  return true;
}

/** IPv4 dotted quad. */
function writeV4(sink: ByteSink, b: Uint8Array, p: number): void {
  writeUint(sink, b[p]!);
  sink.writeByte(0x2e);
  writeUint(sink, b[p + 1]!);
  sink.writeByte(0x2e);
  writeUint(sink, b[p + 2]!);
  sink.writeByte(0x2e);
  writeUint(sink, b[p + 3]!);
}

/**
 * Formats the records of one serialized batch. `write` returns the number of records written,
 * -1 once the output passes `maxBytes` (the caller rolls back), and throws the codec's
 * DecodeError for malformed bytes (the caller rolls back and refuses the batch).
 */
abstract class WireRecordWriter {
  protected readonly kinds: K[];
  protected readonly elemKinds: K[];
  protected readonly types: Int32Array;
  protected readonly subtypes: Int32Array;
  protected dv: DataView = new DataView(new ArrayBuffer(8));
  /** End of the input. */
  protected end = 0;
  /** Records that took the reference path so far (escapes, typed values ...). */
  slowRecords = 0;

  constructor(protected readonly fields: LogField[]) {
    this.kinds = fields.map((f) => kindOf(f.type));
    this.elemKinds = fields.map((f) => {
      const k = kindOf(f.subtype);
      return k === K.Set ? K.Slow : k;
    });
    this.types = Int32Array.from(fields, (f) => f.type);
    this.subtypes = Int32Array.from(fields, (f) => f.subtype);
  }

  /** Writes the record at `p` in its fast form and returns the offset after it; throws SLOW. */
  protected abstract fast(sink: ByteSink, b: Uint8Array, p: number): number;
  /** The reference line of a decoded record (throws EncodeError for a value that does not fit). */
  protected abstract slow(values: LogValue[]): string;

  write(sink: ByteSink, payload: Uint8Array, offset: number, count: number, reject: (err: unknown, record: number) => void, maxBytes: number): number {
    const limit = sink.length + maxBytes;
    this.dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    this.end = payload.byteLength;
    let p = offset;
    let written = 0;
    for (let r = 0; r < count; r++) {
      sink.beginRecord();
      let next = -1;
      try {
        next = this.fast(sink, payload, p);
      } catch (e) {
        if (e !== SLOW) throw e;
      }
      if (next < 0) {
        this.slowRecords++;
        sink.rewindRecord();
        const rec = decodeLogRecordAt(payload, this.fields, p);
        p = rec.end;
        let line: string;
        try {
          line = this.slow(rec.values);
        } catch (err) {
          reject(err, r);
          continue;
        }
        sink.writeString(line);
        sink.writeByte(NL);
      } else p = next;
      written++;
      if (sink.length > limit) return -1;
    }
    if (p !== this.end) throw new TrailingBytesError(this.end - p, p);
    return written;
  }
}

/** The codec's error for bytes after the last record. */
class TrailingBytesError extends DecodeError {
  constructor(n: number, at: number) {
    super("zeek-bin-serializer", "trailing", at, `${n} bytes after the last record`);
  }
}

/** Zeek's ASCII writer with its default separators (AsciiRecordWriter's byte path). */
export class WireTsvWriter extends WireRecordWriter {
  constructor(
    private readonly ascii: AsciiLogFormat,
    fields: LogField[],
  ) {
    super(fields);
  }

  /** True if `format`'s options are the ones this writer hard-codes. */
  static fits(f: AsciiLogFormat): boolean {
    return f.separator === "\t" && f.setSeparator === "," && f.emptyField === "(empty)" && f.unsetField === "-" && f.metaPrefix === "#" && f.enableUtf8;
  }

  protected slow(values: LogValue[]): string {
    return this.ascii.record(this.fields, values);
  }

  protected fast(sink: ByteSink, b: Uint8Array, p: number): number {
    const n = this.kinds.length;
    const end = this.end;
    for (let i = 0; i < n; i++) {
      if (i > 0) sink.writeByte(TAB);
      p = this.value(sink, b, p, end, this.kinds[i]!, this.types[i]!, this.subtypes[i]!, this.elemKinds[i]!, false);
    }
    // A line that would read as a meta line is escaped by the reference formatter.
    if (sink.buf[sink.recordStart] === HASH) throw SLOW;
    sink.writeByte(NL);
    return p;
  }

  private value(sink: ByteSink, b: Uint8Array, p: number, end: number, k: K, type: number, subtype: number, elemKind: K, inSet: boolean): number {
    if (end - p < VALUE_HEADER) throw SLOW;
    const present = b[p + 8]!;
    if (present === 0) {
      sink.writeByte(DASH);
      return p + VALUE_HEADER;
    }
    // A value of another type than its column's is printed as its own type (reference path);
    // its subtype does not change the output.
    if (present !== 1 || i32(b, p) !== type) throw SLOW;
    p += VALUE_HEADER;
    switch (k) {
      case K.Text: {
        if (end - p < 4) throw SLOW;
        const len = i32(b, p);
        p += 4;
        if (len < 0 || len > end - p) throw SLOW;
        if (len === 0) {
          sink.writeBytes(EMPTY);
          return p;
        }
        const stop = p + len;
        // "-" and "(empty)" get their first byte escaped.
        if ((len === 1 && b[p] === DASH) || (len === 7 && b[p] === 0x28 && isEmptyMarker(b, p))) throw SLOW;
        // Copied while checked: a byte that needs escaping sends the record to the reference path.
        sink.ensure(len);
        const out = sink.buf;
        let o = sink.pos;
        for (let j = p; j < stop; j++) {
          const c = b[j]!;
          if (c < 0x20 || c > 0x7e || c === BACKSLASH || (inSet && c === COMMA)) throw SLOW;
          out[o++] = c;
        }
        sink.pos = o;
        return stop;
      }
      case K.Count:
      case K.Int:
        if (end - p < 8 || !writeInt64(sink, b, p, k === K.Int)) throw SLOW;
        return p + 8;
      case K.Time:
        if (end - p < 8) throw SLOW;
        writeTime(sink, this.dv.getFloat64(p));
        return p + 8;
      case K.Double:
        if (end - p < 8) throw SLOW;
        sink.writeAscii(formatAsciiDouble(this.dv.getFloat64(p)));
        return p + 8;
      case K.Bool: {
        if (end - p < 8 || i32(b, p) !== 0) throw SLOW;
        const lo = u32(b, p + 4);
        if (lo > 1) throw SLOW;
        sink.writeByte(lo === 1 ? 0x54 : 0x46);
        return p + 8;
      }
      case K.Port: {
        if (end - p < 12) throw SLOW;
        const hi = u32(b, p);
        const proto = i32(b, p + 8);
        if (hi > 0x1fffff || proto < 0 || proto > 3) throw SLOW;
        writeUint(sink, hi * 4294967296 + u32(b, p + 4));
        return p + 12;
      }
      case K.Addr: {
        if (end - p < 1) throw SLOW;
        const family = b[p]!;
        if (family === 4 && end - p >= 5) {
          writeV4(sink, b, p + 1);
          return p + 5;
        }
        if (family === 6 && end - p >= 17) {
          sink.writeAscii(formatAddr(b.subarray(p + 1, p + 17)));
          return p + 17;
        }
        throw SLOW;
      }
      case K.Set: {
        if (inSet || end - p < 8) throw SLOW;
        const hi = i32(b, p);
        const count = u32(b, p + 4);
        p += 8;
        if (hi !== 0 || count > (end - p) / VALUE_HEADER) throw SLOW;
        if (count === 0) {
          sink.writeBytes(EMPTY);
          return p;
        }
        if (elemKind === K.Slow) throw SLOW;
        for (let e = 0; e < count; e++) {
          if (e > 0) sink.writeByte(COMMA);
          p = this.value(sink, b, p, end, elemKind, subtype, 0, K.Slow, true);
        }
        return p;
      }
      default:
        throw SLOW;
    }
  }
}

/** Zeek's JSON writer (LogAscii::use_json) with epoch timestamps. */
export class WireJsonWriter extends WireRecordWriter {
  /** `,"name":` of each column (the first column's without the comma is `keys[i].subarray(1)`). */
  private readonly keys: Buffer[];
  private readonly includeUnset: boolean;

  constructor(
    fields: LogField[],
    private readonly options: JsonFormatOptions,
  ) {
    super(fields);
    this.keys = fields.map((f) => Buffer.from("," + jsonQuote(f.name) + ":"));
    this.includeUnset = options.includeUnset === true;
  }

  /** True if `options` are ones this writer implements. */
  static fits(o: JsonFormatOptions): boolean {
    return (o.timestamps ?? "JSON::TS_EPOCH") === "JSON::TS_EPOCH";
  }

  protected slow(values: LogValue[]): string {
    return formatJsonLogRecord(this.fields, values, undefined, this.options);
  }

  protected fast(sink: ByteSink, b: Uint8Array, p: number): number {
    const n = this.kinds.length;
    const end = this.end;
    let first = true;
    sink.writeByte(0x7b);
    for (let i = 0; i < n; i++) {
      if (end - p < VALUE_HEADER) throw SLOW;
      if (b[p + 8] === 0 && !this.includeUnset) {
        p += VALUE_HEADER;
        continue;
      }
      const key = this.keys[i]!;
      const kn = key.length;
      sink.ensure(kn);
      const out = sink.buf;
      let o = sink.pos;
      for (let j = first ? 1 : 0; j < kn; j++) out[o++] = key[j]!;
      sink.pos = o;
      first = false;
      p = this.value(sink, b, p, end, this.kinds[i]!, this.types[i]!, this.subtypes[i]!, this.elemKinds[i]!, false);
    }
    sink.writeByte(0x7d);
    sink.writeByte(NL);
    return p;
  }

  private value(sink: ByteSink, b: Uint8Array, p: number, end: number, k: K, type: number, subtype: number, elemKind: K, inSet: boolean): number {
    if (end - p < VALUE_HEADER) throw SLOW;
    const present = b[p + 8]!;
    if (present === 0) {
      sink.writeBytes(NULL_JSON);
      return p + VALUE_HEADER;
    }
    if (present !== 1 || i32(b, p) !== type) throw SLOW;
    p += VALUE_HEADER;
    switch (k) {
      case K.Text: {
        if (end - p < 4) throw SLOW;
        const len = i32(b, p);
        p += 4;
        if (len < 0 || len > end - p) throw SLOW;
        const stop = p + len;
        sink.ensure(len + 2);
        const out = sink.buf;
        let o = sink.pos;
        out[o++] = QUOTE;
        for (let j = p; j < stop; j++) {
          const c = b[j]!;
          if (c < 0x20 || c > 0x7e || c === BACKSLASH || c === QUOTE) throw SLOW;
          out[o++] = c;
        }
        out[o++] = QUOTE;
        sink.pos = o;
        return stop;
      }
      case K.Count:
      case K.Int:
        if (end - p < 8 || !writeInt64(sink, b, p, k === K.Int)) throw SLOW;
        return p + 8;
      case K.Time:
      case K.Double: {
        if (end - p < 8) throw SLOW;
        const x = this.dv.getFloat64(p);
        if (Number.isFinite(x)) writeJsonDouble(sink, x);
        else sink.writeBytes(NULL_JSON);
        return p + 8;
      }
      case K.Bool: {
        if (end - p < 8 || i32(b, p) !== 0) throw SLOW;
        const lo = u32(b, p + 4);
        if (lo > 1) throw SLOW;
        sink.writeBytes(lo === 1 ? TRUE_JSON : FALSE_JSON);
        return p + 8;
      }
      case K.Port: {
        if (end - p < 12) throw SLOW;
        const hi = u32(b, p);
        const proto = i32(b, p + 8);
        if (hi > 0x1fffff || proto < 0 || proto > 3) throw SLOW;
        writeUint(sink, hi * 4294967296 + u32(b, p + 4));
        return p + 12;
      }
      case K.Addr: {
        if (end - p < 1) throw SLOW;
        const family = b[p]!;
        if (family === 4 && end - p >= 5) {
          sink.writeByte(QUOTE);
          writeV4(sink, b, p + 1);
          sink.writeByte(QUOTE);
          return p + 5;
        }
        if (family === 6 && end - p >= 17) {
          sink.writeByte(QUOTE);
          sink.writeAscii(formatAddr(b.subarray(p + 1, p + 17)));
          sink.writeByte(QUOTE);
          return p + 17;
        }
        throw SLOW;
      }
      case K.Set: {
        if (inSet || end - p < 8) throw SLOW;
        const hi = i32(b, p);
        const count = u32(b, p + 4);
        p += 8;
        if (hi !== 0 || count > (end - p) / VALUE_HEADER) throw SLOW;
        if (count > 0 && elemKind === K.Slow) throw SLOW;
        sink.writeByte(0x5b);
        for (let e = 0; e < count; e++) {
          if (e > 0) sink.writeByte(COMMA);
          p = this.value(sink, b, p, end, elemKind, subtype, 0, K.Slow, true);
        }
        sink.writeByte(0x5d);
        return p;
      }
      default:
        throw SLOW;
    }
  }
}
