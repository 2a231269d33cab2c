// Readers compiled once per declared type that decode values straight from broker-bin-v1 bytes
// (the hot path of typed events): plain functions for scalars, so no closure per message.
import { decodeZeekString } from "../text.js";
import { BinReader, MAX_DEPTH, be32 } from "./bin.js";
import { Tag } from "./data.js";
import { addrText, fromData } from "./convert.js";
import { typeName, type ZType } from "./types.js";

function mismatch(r: BinReader, at: number, t: ZType, got: string): never {
  r.fail("bad-tag", `expected ${typeName(t)}, got ${got}`, at);
}

const TAG_NAMES = ["none", "boolean", "count", "integer", "real", "string", "address", "subnet", "port", "timestamp", "timespan", "enum-value", "set", "table", "vector"];

/** Reads one value of a fixed Zeek type from broker-bin-v1 bytes. */
export type TypedReader = (r: BinReader, depth: number) => unknown;

function expectTag(r: BinReader, tag: number, t: ZType): void {
  const got = r.u8();
  if (got !== tag) mismatch(r, r.pos - 1, t, TAG_NAMES[got] ?? `tag ${got}`);
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
  if (be32(b, p) === 0 && be32(b, p + 4) === 0 && be32(b, p + 8) === 0xffff) return `${b[p + 12]}.${b[p + 13]}.${b[p + 14]}.${b[p + 15]}`;
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
