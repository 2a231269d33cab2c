// Writers compiled once per declared type that encode JS values straight to broker-bin-v1 bytes
// (the hot path of publishing typed events), the counterpart of readers.ts. Scalars are plain
// functions with byte-level fast paths for the common values (ASCII strings, IPv4 text, counts
// below 2^53); anything else takes writeTyped, which validates and reports the path.
import { writeV4Mapped } from "../addr.js";
import type { ByteWriter } from "../writer.js";
import { writeTyped } from "./convert.js";
import { Tag } from "./data.js";
import type { ZType } from "./types.js";

/** Writes one value of a fixed Zeek type; `path` names it in errors (e.g. "bench.s"). */
export type TypedWriter = (w: ByteWriter, v: unknown, path: string) => void;

const T_COUNT: ZType = { kind: "count" };
const T_TIME: ZType = { kind: "time" };
const T_INTERVAL: ZType = { kind: "interval" };
const T_STRING: ZType = { kind: "string" };
const T_ADDR: ZType = { kind: "addr" };

const TWO_32 = 0x100000000;

/** Tag + a 64-bit big-endian integer given as its high (signed or not) and low 32-bit halves. */
function put64(w: ByteWriter, tag: number, hi: number, lo: number): void {
  w.ensure(9);
  const b = w.buf;
  const p = w.pos;
  b[p] = tag;
  b[p + 1] = hi >>> 24;
  b[p + 2] = hi >>> 16;
  b[p + 3] = hi >>> 8;
  b[p + 4] = hi;
  b[p + 5] = lo >>> 24;
  b[p + 6] = lo >>> 16;
  b[p + 7] = lo >>> 8;
  b[p + 8] = lo;
  w.pos = p + 9;
}

/** Tag + uint64 of a safe non-negative integer, byte by byte (no bigint, no bounds-checked calls). */
function putCount(w: ByteWriter, v: number): void {
  put64(w, Tag.count, Math.floor(v / TWO_32), v >>> 0);
}

function writeCount(w: ByteWriter, v: unknown, path: string): void {
  if (typeof v === "number" && v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v)) return putCount(w, v);
  if (typeof v === "bigint" && v >= 0n && v <= 9007199254740991n) return putCount(w, Number(v));
  writeTyped(w, T_COUNT, v, path);
}

/** Seconds -> tag + int64 nanoseconds, truncated toward zero as Zeek's double->time cast. */
function putNanos(w: ByteWriter, tag: number, t: ZType, v: unknown, path: string): void {
  const ns = typeof v === "number" ? Math.trunc(v * 1e9) : NaN;
  // An integer-valued double in int64 range splits exactly into 32-bit halves; Dates, NaN and
  // out-of-range values take the general path (which explains the error).
  if (!(ns >= -9223372036854775808 && ns < 9223372036854775808)) return writeTyped(w, t, v, path);
  const hi = Math.floor(ns / TWO_32);
  put64(w, tag, hi, ns - hi * TWO_32);
}

function writeTime(w: ByteWriter, v: unknown, path: string): void {
  putNanos(w, Tag.timestamp, T_TIME, v, path);
}

function writeInterval(w: ByteWriter, v: unknown, path: string): void {
  putNanos(w, Tag.timespan, T_INTERVAL, v, path);
}

/** ASCII strings shorter than 128 chars (one varbyte length byte) are copied char by char. */
function writeString(w: ByteWriter, v: unknown, path: string): void {
  if (typeof v === "string" && v.length < 128) {
    const n = v.length;
    w.ensure(n + 2);
    const b = w.buf;
    const p = w.pos;
    let i = 0;
    for (; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c >= 0x80) break; // non-ASCII (or an escaped raw byte): the general path
      b[p + 2 + i] = c;
    }
    if (i === n) {
      b[p] = Tag.string;
      b[p + 1] = n;
      w.pos = p + 2 + n;
      return;
    }
  }
  writeTyped(w, T_STRING, v, path);
}

function writeAddr(w: ByteWriter, v: unknown, path: string): void {
  if (typeof v === "string") {
    w.ensure(17);
    if (writeV4Mapped(v, w.buf, w.pos + 1)) {
      w.buf[w.pos] = Tag.address;
      w.pos += 17;
      return;
    }
  }
  writeTyped(w, T_ADDR, v, path);
}

const SCALAR_WRITERS: Partial<Record<ZType["kind"], TypedWriter>> = {
  count: writeCount,
  time: writeTime,
  interval: writeInterval,
  string: writeString,
  addr: writeAddr,
};

/** Builds (once per declared type) a writer for values of `t`. */
export function compileWriter(t: ZType): TypedWriter {
  return SCALAR_WRITERS[t.kind] ?? ((w, v, path) => writeTyped(w, t, v, path));
}
