// broker-json-v1: Broker's JSON rendering of data ({"@data-type": T, "data": V}), used as Zeek's
// second event serializer and by Zeek's WebSocket API. Two renderings:
//  - "wire": what Zeek itself writes (reals as %f, bare inf/nan, raw bytes in strings);
//  - "print": strict JSON for tools, with inf/nan as strings, control bytes as JSON escapes and
//    bytes that are not UTF-8 as the text \xHH (the convention of Zeek's JSON log writer).
import { DecodeError } from "../../errors.js";
import { formatAddress, maskAddress, parseAddress } from "../addr.js";
import { formatFixed } from "../number-format.js";
import { PortProtocol, type Data } from "./data.js";
import { eventFromData, eventToData, type ZeekEvent } from "./event.js";
import { parseJson, type Json } from "./json-text.js";

export const FORMAT = "broker-json-v1";

export type JsonMode = "wire" | "print";

const HEX = "0123456789abcdef";

/** Length of the valid UTF-8 sequence starting at i, or 0 if b[i] does not start one. */
export function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  let n: number;
  let min: number;
  if (c >= 0xc2 && c <= 0xdf) (n = 2), (min = 0x80);
  else if (c >= 0xe0 && c <= 0xef) (n = 3), (min = 0x800);
  else if (c >= 0xf0 && c <= 0xf4) (n = 4), (min = 0x10000);
  else return 0;
  if (i + n > b.length) return 0;
  let cp = c & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const x = b[i + k]!;
    if ((x & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (x & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

// The only escapes Zeek's Broker JSON writer produces (note \v, which is not JSON).
const WIRE_ESCAPES: Record<number, string> = { 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r" };

function escapeControl(c: number): string {
  switch (c) {
    case 0x08: return "\\b";
    case 0x09: return "\\t";
    case 0x0a: return "\\n";
    case 0x0c: return "\\f";
    case 0x0d: return "\\r";
    default: return "\\u00" + HEX[c >> 4]! + HEX[c & 15]!;
  }
}

/**
 * Quotes raw string bytes. In "print" mode the result is a JS string of strict JSON; in "wire"
 * mode it is a latin1 "byte string" (one char per output byte) so raw bytes pass unchanged.
 */
export function quoteBytes(b: Uint8Array, mode: JsonMode): string {
  let out = '"';
  let runStart = 0;
  const flush = (end: number) => {
    if (end > runStart) out += Buffer.from(b.buffer, b.byteOffset + runStart, end - runStart).toString(mode === "print" ? "utf8" : "latin1");
  };
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c >= 0x20 && c < 0x80 && c !== 0x22 && c !== 0x5c) {
      i++;
      continue;
    }
    if (c >= 0x80) {
      const n = utf8SequenceLength(b, i);
      if (n > 0) {
        i += n;
        continue;
      }
      if (mode === "wire") {
        i++;
        continue;
      }
    }
    if (mode === "wire" && c < 0x20 && WIRE_ESCAPES[c] === undefined) {
      i++; // Zeek's writer leaves other control bytes raw
      continue;
    }
    flush(i);
    if (mode === "wire" && c < 0x20) out += WIRE_ESCAPES[c]!;
    else if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c < 0x20) out += escapeControl(c);
    else out += "\\\\x" + HEX[c >> 4]! + HEX[c & 15]!; // invalid UTF-8 byte, print mode
    runStart = ++i;
  }
  flush(b.length);
  return out + '"';
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, "0");
}

/** Broker's timestamp text: UTC, millisecond resolution, truncated toward zero. */
export function formatTimestamp(ns: bigint): string {
  const secs = ns / 1_000_000_000n;
  const ms = (ns % 1_000_000_000n) / 1_000_000n;
  const d = new Date(Number(secs) * 1000);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  return `${date}T${time}.${ms < 0n ? "000" : pad(Number(ms), 3)}`;
}

const UNITS: [bigint, string][] = [
  [1_000_000_000n, "s"],
  [1_000_000n, "ms"],
  [1_000n, "us"],
];

/** Broker's timespan text: the largest unit (s, ms, us, ns) that represents it exactly. */
export function formatTimespan(ns: bigint): string {
  if (ns === 0n) return "0s";
  for (const [f, u] of UNITS) if (ns % f === 0n) return `${ns / f}${u}`;
  return `${ns}ns`;
}

function formatReal(x: number, mode: JsonMode): string {
  if (!Number.isFinite(x)) {
    const t = Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
    return mode === "print" ? `"${t}"` : t;
  }
  return formatFixed(x, 6);
}

function render(d: Data, mode: JsonMode): string {
  let v: string;
  switch (d.type) {
    case "none": v = "{}"; break;
    case "boolean": v = d.value ? "true" : "false"; break;
    case "count":
    case "integer": v = d.value.toString(); break;
    case "real": v = formatReal(d.value, mode); break;
    case "string": v = quoteBytes(d.value, mode); break;
    case "address": v = `"${formatAddress(d.value)}"`; break;
    case "subnet": {
      const v4 = d.address.length === 16 && isMappedPrefix(d.address);
      v = `"${formatAddress(d.address)}/${v4 ? d.length - 96 : d.length}"`;
      break;
    }
    case "port": v = `"${d.number}/${d.protocol === "unknown" ? "?" : d.protocol}"`; break;
    case "timestamp": v = `"${formatTimestamp(d.value)}"`; break;
    case "timespan": v = `"${formatTimespan(d.value)}"`; break;
    case "enum-value": v = quoteBytes(Buffer.from(d.value, "utf8"), mode); break;
    case "set":
    case "vector": v = "[" + d.value.map((x) => render(x, mode)).join(",") + "]"; break;
    case "table": v = "[" + d.value.map(([k, x]) => `{"key":${render(k, mode)},"value":${render(x, mode)}}`).join(",") + "]"; break;
  }
  return `{"@data-type":"${d.type}","data":${v}}`;
}

function isMappedPrefix(a: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return false;
  return a[10] === 0xff && a[11] === 0xff;
}

/**
 * A value's JSON text in either rendering; "wire" text is a latin1 "byte string" (one char per
 * output byte), so `Buffer.from(text, "latin1")` gives Zeek's bytes.
 */
export function jsonDataText(d: Data, mode: JsonMode): string {
  return render(d, mode);
}

/** Strict-JSON text of a value (for tools and logs). */
export function dataToJsonText(d: Data): string {
  return render(d, "print");
}

/** Zeek's own broker-json-v1 bytes for a value. */
export function encodeJsonData(d: Data): Buffer {
  return Buffer.from(render(d, "wire"), "latin1");
}

/** A broker-json-v1 event payload, byte-for-byte as Zeek's serializer writes it. */
export function encodeJsonEvent(ev: ZeekEvent): Buffer {
  return encodeJsonData(eventToData(ev));
}

/**
 * The WebSocket API's form of an event: {"type":"data-message","topic":T,"@data-type":"vector",
 * "data":[...]}, as strict JSON text ("print" rendering).
 */
export function dataMessageText(topic: string, envelope: Data): string {
  const inner = render(envelope, "print");
  return `{"type":"data-message","topic":${quoteBytes(Buffer.from(topic, "utf8"), "print")},${inner.slice(1)}`;
}

// ---- decoding ----

function fail(at: number, detail: string): never {
  throw new DecodeError(FORMAT, "invalid", at, detail);
}

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

function integerText(j: Json, lo: bigint, hi: bigint, what: string): bigint {
  if (j.k !== "number" || !/^-?\d+$/.test(j.v) || j.v.length > 21) return fail(j.at, `${what} must be an integer`);
  const v = BigInt(j.v);
  if (v < lo || v > hi) return fail(j.at, `${what} ${j.v} out of range`);
  return v;
}

function stringOf(j: Json, what: string): string {
  if (j.k !== "string") return fail(j.at, `${what} must be a string`);
  return j.v.toString("utf8");
}

const TS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/;
const SPAN = /^(-?\d{1,20}(?:\.\d{1,9})?)(ns|us|ms|s|min|h|d)$/;
const SPAN_NS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, min: 60e9, h: 3600e9, d: 86400e9 };

export function parseTimestamp(text: string): bigint | undefined {
  const m = TS.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (!Number.isFinite(ms)) return undefined;
  const frac = BigInt((m[7] ?? "").padEnd(9, "0"));
  const ns = BigInt(ms) * 1_000_000n + frac;
  return ns >= I64_MIN && ns <= I64_MAX ? ns : undefined;
}

export function parseTimespan(text: string): bigint | undefined {
  const m = SPAN.exec(text);
  if (!m) return undefined;
  const unit = SPAN_NS[m[2]!]!;
  let ns: bigint;
  if (m[1]!.includes(".")) ns = BigInt(Math.trunc(Number(m[1]) * unit));
  else ns = BigInt(m[1]!) * BigInt(unit);
  return ns >= I64_MIN && ns <= I64_MAX ? ns : undefined;
}

function realOf(j: Json): number {
  const t = j.k === "number" || j.k === "string" ? (j.k === "number" ? j.v : j.v.toString("latin1")) : undefined;
  if (t === "inf") return Infinity;
  if (t === "-inf") return -Infinity;
  if (t === "nan" || t === "-nan") return NaN;
  if (j.k !== "number") return fail(j.at, "real must be a number");
  return Number(j.v);
}

/** Converts a parsed {"@data-type","data"} object to Data. */
export function jsonToData(j: Json, depth = 0): Data {
  if (j.k !== "object") return fail(j.at, 'expected an object with "@data-type" and "data"');
  let type: string | undefined;
  let v: Json | undefined;
  for (const [k, x] of j.v) {
    if (k === "@data-type") type = stringOf(x, '"@data-type"');
    else if (k === "data") v = x;
  }
  if (type === undefined || v === undefined) return fail(j.at, 'expected "@data-type" and "data"');
  const at = v.at;
  switch (type) {
    case "none":
      return { type: "none" };
    case "boolean":
      if (v.k !== "bool") return fail(at, "boolean must be true or false");
      return { type: "boolean", value: v.v };
    case "count":
      return { type: "count", value: integerText(v, 0n, U64_MAX, "count") };
    case "integer":
      return { type: "integer", value: integerText(v, I64_MIN, I64_MAX, "integer") };
    case "real":
      return { type: "real", value: realOf(v) };
    case "string":
      if (v.k !== "string") return fail(at, "string must be a JSON string");
      return { type: "string", value: v.v };
    case "enum-value":
      return { type: "enum-value", value: stringOf(v, "enum-value") };
    case "address": {
      const a = parseAddress(stringOf(v, "address"));
      if (!a) return fail(at, "invalid address");
      return { type: "address", value: a };
    }
    case "subnet": {
      const s = stringOf(v, "subnet");
      const slash = s.lastIndexOf("/");
      const a = slash > 0 ? parseAddress(s.slice(0, slash)) : undefined;
      const len = slash > 0 && /^\d{1,3}$/.test(s.slice(slash + 1)) ? Number(s.slice(slash + 1)) : -1;
      const v4 = a !== undefined && !s.slice(0, slash).includes(":");
      const raw = v4 ? len + 96 : len;
      if (!a || len < 0 || raw > 128) return fail(at, "invalid subnet");
      return { type: "subnet", address: maskAddress(a, raw), length: raw };
    }
    case "port": {
      const s = stringOf(v, "port");
      const m = /^(\d{1,5})(?:\/(tcp|udp|icmp|unknown|\?))?$/.exec(s);
      const n = m ? Number(m[1]) : -1;
      if (!m || n > 65535) return fail(at, "invalid port");
      const p = m[2] === undefined ? "tcp" : m[2] === "?" ? "unknown" : (m[2] as PortProtocol);
      return { type: "port", number: n, protocol: p };
    }
    case "timestamp": {
      const ns = parseTimestamp(stringOf(v, "timestamp"));
      if (ns === undefined) return fail(at, "invalid timestamp (expected YYYY-MM-DDTHH:MM:SS.mmm)");
      return { type: "timestamp", value: ns };
    }
    case "timespan": {
      const ns = parseTimespan(stringOf(v, "timespan"));
      if (ns === undefined) return fail(at, "invalid timespan (expected <integer><ns|us|ms|s|min|h|d>)");
      return { type: "timespan", value: ns };
    }
    case "set":
    case "vector": {
      if (v.k !== "array") return fail(at, `${type} must be an array`);
      const value = v.v.map((x) => jsonToData(x, depth + 1));
      return type === "set" ? { type: "set", value } : { type: "vector", value };
    }
    case "table": {
      if (v.k !== "array") return fail(at, "table must be an array");
      const value = v.v.map((e): [Data, Data] => {
        if (e.k !== "object") return fail(e.at, 'table entry must be {"key":...,"value":...}');
        const key = e.v.find((p) => p[0] === "key")?.[1];
        const val = e.v.find((p) => p[0] === "value")?.[1];
        if (!key || !val) return fail(e.at, 'table entry must be {"key":...,"value":...}');
        return [jsonToData(key, depth + 1), jsonToData(val, depth + 1)];
      });
      return { type: "table", value };
    }
    default:
      return fail(j.at, `unknown @data-type ${JSON.stringify(type.slice(0, 40))}`);
  }
}

/** Decodes a broker-json-v1 value. */
export function decodeJsonData(input: Uint8Array | string): Data {
  return jsonToData(parseJson(input, FORMAT));
}

/** Decodes a broker-json-v1 event payload (also accepts the WebSocket data-message form). */
export function decodeJsonEvent(input: Uint8Array | string): ZeekEvent {
  return eventFromData(decodeJsonData(input), FORMAT);
}
