// Record lines of Zeek's ASCII writer written straight into a ByteSink. The common values of
// decoded batches (plain ASCII strings, numbers, LogAddr, LogPort, unset) are written as bytes
// here; any record holding something else (escapes, containers, typed values, JS strings) is
// rendered by AsciiLogFormat.record, the reference implementation, so output is identical.
import { LogAddr, LogPort, TypeTag, type LogField, type LogValue } from "../codec/zeek-log/index.js";
import { AsciiLogFormat } from "./format/ascii.js";
import { formatAsciiDouble, formatAsciiTime } from "./format/numbers.js";
import type { ByteSink } from "./sink.js";
import { equalBytes } from "../bytes.js";

const TAB = 0x09;
const NL = 0x0a;
const DASH = 0x2d;
const HASH = 0x23;
const BACKSLASH = 0x5c;
const EMPTY = Buffer.from("(empty)");

/** Column kinds of the fast path. */
const enum K {
  Slow,
  Bool,
  Integer,
  Double,
  Time,
  Text,
  Port,
  Addr,
}

function kindOf(f: LogField): K {
  switch (f.type) {
    case TypeTag.bool:
      return K.Bool;
    case TypeTag.int:
    case TypeTag.count:
      return K.Integer;
    case TypeTag.double:
      return K.Double;
    case TypeTag.time:
    case TypeTag.interval:
      return K.Time;
    case TypeTag.string:
    case TypeTag.enum:
      return K.Text;
    case TypeTag.port:
      return K.Port;
    case TypeTag.addr:
      return K.Addr;
    default:
      return K.Slow;
  }
}

/** True if `b` is written as is: printable ASCII without backslash, not a reserved value. */
function plainText(b: Uint8Array): boolean {
  const n = b.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c < 0x20 || c > 0x7e || c === BACKSLASH) return false;
  }
  // "-" and "(empty)" get their first byte escaped.
  if (n === 1 && b[0] === DASH) return false;
  if (n === 7 && b[0] === 0x28 && equalBytes(b, EMPTY)) return false;
  return true;
}

function writeDecimal(sink: ByteSink, v: number): void {
  // Non-negative integers below 2^31 without a string allocation.
  if (v < 10) {
    sink.writeByte(0x30 + v);
    return;
  }
  sink.ensure(10);
  const buf = sink.buf;
  let digits = 1;
  for (let t = v; t >= 10; t = (t / 10) | 0) digits++;
  let p = sink.pos + digits;
  sink.pos = p;
  while (v >= 10) {
    const q = (v / 10) | 0;
    buf[--p] = 0x30 + (v - q * 10);
    v = q;
  }
  buf[--p] = 0x30 + v;
}

/** Writes one value in its fast form; false if the record needs the reference formatter. */
function writeFast(sink: ByteSink, k: K, v: LogValue, first: boolean): boolean {
  if (v === null) {
    sink.writeByte(DASH);
    return true;
  }
  switch (k) {
    case K.Text:
      if (!(v instanceof Uint8Array) || !plainText(v) || (first && v[0] === HASH)) return false;
      sink.writeBytes(v);
      return true;
    case K.Integer:
      if (typeof v === "bigint") {
        if (v >= 0n && v < 0x80000000n) writeDecimal(sink, Number(v));
        else sink.writeAscii(v.toString());
        return true;
      }
      return false;
    case K.Bool:
      if (typeof v !== "boolean") return false;
      sink.writeByte(v ? 0x54 : 0x46);
      return true;
    case K.Time:
      if (typeof v !== "number") return false;
      sink.writeAscii(formatAsciiTime(v));
      return true;
    case K.Double:
      if (typeof v !== "number") return false;
      sink.writeAscii(formatAsciiDouble(v));
      return true;
    case K.Port:
      if (!(v instanceof LogPort)) return false;
      // A peer may send any port number below 2^53; writeDecimal takes only 31 bits.
      if (v.port < 0x80000000) writeDecimal(sink, v.port);
      else sink.writeAscii(String(v.port));
      return true;
    case K.Addr:
      if (!(v instanceof LogAddr)) return false;
      if (v.bytes.length === 4) {
        const b = v.bytes;
        writeDecimal(sink, b[0]!);
        sink.writeByte(0x2e);
        writeDecimal(sink, b[1]!);
        sink.writeByte(0x2e);
        writeDecimal(sink, b[2]!);
        sink.writeByte(0x2e);
        writeDecimal(sink, b[3]!);
      } else sink.writeAscii(v.toString());
      return true;
    default:
      return false;
  }
}

/**
 * Formats records of one schema into a sink. Create one per (file, field list); `format` must
 * be the AsciiLogFormat of the file (its options decide whether the byte fast path applies).
 */
export class AsciiRecordWriter {
  private readonly kinds: K[];
  private readonly fast: boolean;

  constructor(
    private readonly format: AsciiLogFormat,
    private readonly fields: LogField[],
  ) {
    this.kinds = fields.map(kindOf);
    const f = format;
    // The byte path hard-codes Zeek's default separators and reserved values.
    this.fast =
      f.separator === "\t" && f.setSeparator === "," && f.emptyField === "(empty)" && f.unsetField === "-" && f.metaPrefix === "#" && f.enableUtf8;
  }

  /**
   * Writes every record as a line. A record with a value that does not fit its column is left
   * out and passed to `reject` with the EncodeError; returns the number of lines written, or -1
   * as soon as the lines take more than `maxBytes` (the caller rolls the sink back).
   */
  write(sink: ByteSink, records: LogValue[][], reject: (err: unknown, record: number) => void, maxBytes = Infinity): number {
    let written = 0;
    const limit = sink.length + maxBytes;
    const kinds = this.kinds;
    const n = kinds.length;
    for (let r = 0; r < records.length; r++) {
      const rec = records[r]!;
      sink.beginRecord();
      let ok = this.fast;
      for (let i = 0; ok && i < n; i++) {
        if (i > 0) sink.writeByte(TAB);
        ok = writeFast(sink, kinds[i]!, rec[i] ?? null, i === 0);
      }
      if (!ok) {
        sink.rewindRecord();
        let line: string;
        try {
          line = this.format.record(this.fields, rec);
        } catch (err) {
          reject(err, r);
          continue;
        }
        sink.writeString(line);
      }
      sink.writeByte(NL);
      written++;
      if (sink.length > limit) return -1;
    }
    return written;
  }
}
