// Zeek's JSON log line (LogAscii::use_json=T, threading::formatter::JSON): one object per record,
// keys = field names, unset fields omitted (or null with includeUnset), strings through
// escape_utf8 (invalid UTF-8 and controls other than \b\f\n\r\t -> "\\xHH"), doubles as rapidjson
// prints them, NaN/inf -> null, ports as numbers, addrs/subnets as text.
import { EncodeError } from "../../errors.js";
import { LogPort, TypeTag, typeTagName, type LogField, type LogValue } from "../../codec/zeek-log/index.js";
import { escapeUtf8, jsonQuote } from "./escape.js";
import { formatJsonDouble } from "./numbers.js";
import { addrText, boolOf, bytesOf, inner, integerText, kindOf, numberOf, subnetText, typeOf } from "./values.js";

/** JSON::TimestampFormat: how time values are written. */
export type JsonTimestamps = "JSON::TS_EPOCH" | "JSON::TS_MILLIS" | "JSON::TS_MILLIS_UNSIGNED" | "JSON::TS_ISO8601";

export interface JsonFormatOptions {
  /** LogAscii::json_timestamps; default "JSON::TS_EPOCH" (seconds as a number). */
  timestamps?: JsonTimestamps;
  /** LogAscii::json_include_unset_fields; default false (unset fields are omitted). */
  includeUnset?: boolean;
}

function jsonNumber(x: number): string {
  return Number.isFinite(x) ? formatJsonDouble(x) : "null";
}

function iso8601(t: number): string {
  const sec = Math.floor(t);
  const d = new Date(sec * 1000);
  if (!Number.isFinite(t) || Number.isNaN(d.getTime())) return '"2000-01-01T00:00:00.000000"';
  let frac = t - Math.trunc(t);
  if (frac < 0) frac += 1;
  const us = Math.round(Math.abs(frac) * 1e6); // "%06.0f": may print 1000000 like Zeek does
  const ymd = d.toISOString().slice(0, 19);
  return `"${ymd}.${String(us).padStart(6, "0")}Z"`;
}

function timeValue(t: number, ts: JsonTimestamps): string {
  switch (ts) {
    case "JSON::TS_EPOCH":
      return jsonNumber(t);
    case "JSON::TS_ISO8601":
      return iso8601(t);
    case "JSON::TS_MILLIS":
    case "JSON::TS_MILLIS_UNSIGNED": {
      const ms = t * 1000;
      // C++ truncating cast; out-of-range values are undefined there, clamp here.
      let n = Number.isFinite(ms) ? BigInt(Math.trunc(ms)) : 0n;
      if (n > 0x7fffffffffffffffn) n = 0x7fffffffffffffffn;
      if (n < -0x8000000000000000n) n = -0x8000000000000000n;
      if (ts === "JSON::TS_MILLIS_UNSIGNED") n = BigInt.asUintN(64, n);
      return n.toString();
    }
  }
}

function value(v: LogValue, type: number, elemType: number, ts: JsonTimestamps, path: string): string {
  if (v === null) return "null";
  switch (type) {
    case TypeTag.bool:
      return boolOf(v, path) ? "true" : "false";
    case TypeTag.int:
    case TypeTag.count:
      return integerText(v, path);
    case TypeTag.port:
      if (v instanceof LogPort) return String(v.port);
      throw new EncodeError(path, `port must be a LogPort, got ${kindOf(v)}`);
    case TypeTag.addr:
      return `"${addrText(v, path)}"`;
    case TypeTag.subnet:
      return `"${subnetText(v, path)}"`;
    case TypeTag.double:
    case TypeTag.interval:
      return jsonNumber(numberOf(v, path));
    case TypeTag.time:
      return timeValue(numberOf(v, path), ts);
    case TypeTag.string:
    case TypeTag.enum:
    case TypeTag.file:
    case TypeTag.func: {
      const b = bytesOf(v, path);
      return jsonQuote(escapeUtf8(b, 0, b.length, true));
    }
    case TypeTag.table:
    case TypeTag.vector: {
      if (!Array.isArray(v)) throw new EncodeError(path, `expected an array, got ${kindOf(v)}`);
      let s = "[";
      for (let i = 0; i < v.length; i++) {
        if (i > 0) s += ",";
        const e = v[i]!;
        s += value(inner(e), typeOf(e, elemType), TypeTag.void, ts, `${path}[${i}]`);
      }
      return s + "]";
    }
    default:
      throw new EncodeError(path, `type ${typeTagName(type)} cannot be written as JSON`);
  }
}

// Quoted keys ("name":), cached: field names repeat on every line.
const keyCache = new Map<string, string>();
function key(name: string): string {
  let k = keyCache.get(name);
  if (k === undefined) {
    k = jsonQuote(name) + ":";
    if (keyCache.size < 10_000) keyCache.set(name, k);
  }
  return k;
}

/**
 * One JSON log line (no trailing newline). `leading` pairs come first as string members, e.g.
 * [["_path", "conn"]]. Throws EncodeError for a value that does not fit its column.
 */
export function formatJsonLogRecord(
  fields: LogField[],
  values: LogValue[],
  leading?: [key: string, value: string][],
  options: JsonFormatOptions = {},
): string {
  const ts = options.timestamps ?? "JSON::TS_EPOCH";
  const includeUnset = options.includeUnset === true;
  let s = "{";
  let first = true;
  if (leading)
    for (const [k, v] of leading) {
      s += (first ? "" : ",") + jsonQuote(k) + ":" + jsonQuote(v);
      first = false;
    }
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const raw = values[i] ?? null;
    const v = inner(raw);
    if (v === null && !includeUnset) continue;
    s += (first ? "" : ",") + key(f.name) + value(v, typeOf(raw, f.type), f.subtype, ts, f.name);
    first = false;
  }
  return s + "}";
}
