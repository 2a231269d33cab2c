// The hot path of client events: a data message converted in one pass from its JSON bytes to a
// broker-bin-v1 payload written straight into the backend's outgoing slab (as Broker converts
// JSON to its binary form), without a JSON tree or Data objects. It covers the common shape:
// top-level "topic" before "data", every value {"@data-type": T, "data": V} in that key order,
// strings without escapes, vectors under 128 elements, no sets, tables or metadata. Anything else
// (and every error) makes it give up, and the general decoder (inbound.ts) handles the message,
// so both paths accept exactly the same messages and send the same bytes.
import { writeData, writeReal } from "../codec/broker/bin.js";
import { Tag, type Data } from "../codec/broker/data.js";
import { jsonToData } from "../codec/broker/json.js";
import { writeV4Mapped } from "../codec/addr.js";
import type { ByteWriter } from "../codec/writer.js";
import { DecodeError, EncodeError } from "../errors.js";
import type { EventDecl } from "../codec/broker/typed.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Where the message's parts are, once converted. */
export interface FastEvent {
  /** The topic's bytes in the input. */
  readonly topicStart: number;
  readonly topicEnd: number;
}

const BAIL = Symbol("bail");
const EMPTY = Buffer.alloc(0);

const T_OTHER = 0;
const T_COUNT = 1;
const T_INTEGER = 2;
const T_REAL = 3;
const T_STRING = 4;
const T_BOOLEAN = 5;
const T_VECTOR = 6;
const T_ADDRESS = 7;
const T_TIMESTAMP = 8;
const T_TEXT = 9;

/** The "@data-type" name at b[t, tEnd) without making a string: by length and first byte, then checked. */
function typeOf(b: Buffer, t: number, tEnd: number): number {
  const len = tEnd - t;
  let name: string;
  let code: number;
  switch (b[t]) {
    case 0x63: // c
      [name, code] = ["count", T_COUNT];
      break;
    case 0x69: // i
      [name, code] = ["integer", T_INTEGER];
      break;
    case 0x72: // r
      [name, code] = ["real", T_REAL];
      break;
    case 0x73: // s
      [name, code] = len === 6 ? ["string", T_STRING] : ["subnet", T_TEXT];
      break;
    case 0x62: // b
      [name, code] = ["boolean", T_BOOLEAN];
      break;
    case 0x76: // v
      [name, code] = ["vector", T_VECTOR];
      break;
    case 0x61: // a
      [name, code] = ["address", T_ADDRESS];
      break;
    case 0x74: // t
      [name, code] = b[t + 5] === 0x74 ? ["timestamp", T_TIMESTAMP] : ["timespan", T_TEXT];
      break;
    case 0x70: // p
      [name, code] = ["port", T_TEXT];
      break;
    case 0x65: // e
      [name, code] = ["enum-value", T_TEXT];
      break;
    default:
      return T_OTHER;
  }
  if (name.length !== len) return T_OTHER;
  for (let i = 1; i < len; i++) if (b[t + i] !== name.charCodeAt(i)) return T_OTHER;
  return code;
}

/**
 * "YYYY-MM-DDTHH:MM:SS.mmm" (what browsers' toISOString minus the Z, and Zeek, write) as
 * milliseconds since the epoch; undefined for any other form (the general decoder takes those).
 */
function millis(b: Buffer, s: number, e: number): number | undefined {
  if (e - s !== 23 || b[s + 4] !== 0x2d || b[s + 7] !== 0x2d || b[s + 10] !== 0x54 || b[s + 13] !== 0x3a || b[s + 16] !== 0x3a || b[s + 19] !== 0x2e) return undefined;
  const d = (i: number, n: number): number => {
    let v = 0;
    for (let k = 0; k < n; k++) {
      const c = b[s + i + k]! - 0x30;
      if (c < 0 || c > 9) return -1;
      v = v * 10 + c;
    }
    return v;
  };
  const y = d(0, 4), mo = d(5, 2), day = d(8, 2), h = d(11, 2), mi = d(14, 2), sec = d(17, 2), ms = d(20, 3);
  if (y < 0 || mo < 1 || mo > 12 || day < 1 || day > 28 + (mo === 2 ? 1 : 3) || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || ms < 0) return undefined;
  // As the general decoder computes it (Date.UTC), within int64 nanoseconds.
  const t = Date.UTC(y, mo - 1, day, h, mi, sec, ms);
  return t >= -9_223_372_036_854 && t <= 9_223_372_036_854 ? t : undefined;
}

/** A text-valued Broker JSON value converted by the general decoder's own rules; undefined if it refuses it. */
function textValue(b: Buffer, t: number, tEnd: number, s: number, sEnd: number): Data | undefined {
  try {
    return jsonToData({ k: "object", at: 0, v: [["@data-type", { k: "string", at: 0, v: b.subarray(t, tEnd) }], ["data", { k: "string", at: 0, v: b.subarray(s, sEnd) }]] });
  } catch {
    return undefined;
  }
}

/** A one-pass reader of the common data-message shape; throws BAIL on anything else. */
class Scanner {
  pos = 0;
  b: Buffer = EMPTY;
  w!: ByteWriter;

  ws(): void {
    const b = this.b;
    let p = this.pos;
    if (b[p]! > 0x20) return; // compact JSON: no whitespace
    while (p < b.length) {
      const c = b[p]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.pos = p;
  }

  expect(c: number): void {
    this.ws();
    if (this.b[this.pos] !== c) throw BAIL;
    this.pos++;
  }

  /** A string without escapes: its [start, end) in the input. */
  rawString(): number {
    this.ws();
    const b = this.b;
    if (b[this.pos] !== QUOTE) throw BAIL;
    const start = ++this.pos;
    let p = start;
    while (p < b.length) {
      const c = b[p]!;
      if (c === QUOTE) break;
      if (c === BACKSLASH) throw BAIL;
      p++;
    }
    if (p >= b.length) throw BAIL;
    this.pos = p + 1;
    return start;
  }

  /** Compares the string just read ([start, pos - 1)) with ASCII `s`. */
  is(start: number, s: string): boolean {
    const end = this.pos - 1;
    if (end - start !== s.length) return false;
    for (let i = 0; i < s.length; i++) if (this.b[start + i] !== s.charCodeAt(i)) return false;
    return true;
  }

  /** End and kind of the number token number() read last. */
  numEnd = 0;
  numReal = false;

  /** A number token (JSON grammar: -?digits(.digits)?([eE][+-]?digits)?): its start; numEnd, numReal. */
  number(): number {
    this.ws();
    const b = this.b;
    const start = this.pos;
    let p = start;
    if (b[p] === 0x2d) p++;
    const d0 = p;
    while (b[p]! >= 0x30 && b[p]! <= 0x39) p++;
    if (p === d0) throw BAIL;
    let real = false;
    if (b[p] === 0x2e) {
      real = true;
      const f0 = ++p;
      while (b[p]! >= 0x30 && b[p]! <= 0x39) p++;
      if (p === f0) throw BAIL;
    }
    if (b[p] === 0x65 || b[p] === 0x45) {
      real = true;
      p++;
      if (b[p] === 0x2b || b[p] === 0x2d) p++;
      const e0 = p;
      while (b[p]! >= 0x30 && b[p]! <= 0x39) p++;
      if (p === e0) throw BAIL;
    }
    // The general reader takes number tokens of at most 400 characters.
    if (p - start > 400) throw BAIL;
    this.pos = p;
    this.numEnd = p;
    this.numReal = real;
    return start;
  }

  /** A text-valued type (the string just read, from `s`) by the general decoder's rules. */
  text(t: number, tEnd: number, s: number): void {
    const d = textValue(this.b, t, tEnd, s, this.pos - 1);
    if (d === undefined) throw BAIL;
    writeData(this.w, d);
  }

  /** `{"@data-type": T, "data": V}` written to `w`. */
  value(depth: number): void {
    if (depth > 64) throw BAIL;
    this.expect(0x7b);
    const k1 = this.rawString();
    if (!this.is(k1, "@data-type")) throw BAIL;
    this.expect(0x3a);
    const t = this.rawString();
    const tEnd = this.pos - 1;
    this.expect(0x2c);
    const k2 = this.rawString();
    if (!this.is(k2, "data")) throw BAIL;
    this.expect(0x3a);
    const b = this.b;
    const w = this.w;
    switch (typeOf(b, t, tEnd)) {
      case T_COUNT:
      case T_INTEGER: {
        const count = b[t] === 0x63;
        const start = this.number();
        const end = this.numEnd;
        const neg = b[start] === 0x2d;
        if (this.numReal || (count && neg)) throw BAIL;
        const len = end - start;
        if (len > 21) throw BAIL;
        w.u8(count ? Tag.count : Tag.integer);
        if (len <= 15) {
          let v = 0;
          for (let i = neg ? start + 1 : start; i < end; i++) v = v * 10 + b[i]! - 0x30;
          if (count) w.u64n(v);
          else w.i64n(neg ? -v : v);
        } else {
          const v = BigInt(b.toString("latin1", start, end));
          if (count ? v > 0xffffffffffffffffn : v < -(1n << 63n) || v > (1n << 63n) - 1n) throw BAIL;
          if (count) w.u64(v);
          else w.i64(v);
        }
        break;
      }
      case T_REAL: {
        const start = this.number();
        w.u8(Tag.real);
        writeReal(w, Number(b.toString("latin1", start, this.numEnd)));
        break;
      }
      case T_STRING: {
        const s = this.rawString();
        const len = this.pos - 1 - s;
        w.u8(Tag.string);
        if (len < 0x80) w.u8(len);
        else if (len < 0x4000) {
          w.u8((len & 0x7f) | 0x80);
          w.u8(len >> 7);
        } else throw BAIL;
        w.ensure(len);
        const out = w.buf;
        let o = w.pos;
        if (len < 64) for (let i = s; i < s + len; i++) out[o++] = b[i]!;
        else b.copy(out, o, s, s + len);
        w.pos += len;
        break;
      }
      case T_BOOLEAN: {
        this.ws();
        if (b[this.pos] === 0x74 && b.toString("latin1", this.pos, this.pos + 4) === "true") {
          this.pos += 4;
          w.u8(Tag.boolean);
          w.u8(1);
        } else if (b[this.pos] === 0x66 && b.toString("latin1", this.pos, this.pos + 5) === "false") {
          this.pos += 5;
          w.u8(Tag.boolean);
          w.u8(0);
        } else throw BAIL;
        break;
      }
      case T_VECTOR: {
        this.expect(0x5b);
        w.u8(Tag.vector);
        w.ensure(1);
        // The count goes before the elements: one byte reserved (under 128), filled in after.
        const at = w.pos - w.itemStart;
        w.pos++;
        let n = 0;
        this.ws();
        if (b[this.pos] === 0x5d) this.pos++;
        else
          for (;;) {
            this.value(depth + 1);
            if (++n >= 0x80) throw BAIL;
            this.ws();
            const c = b[this.pos++];
            if (c === 0x5d) break;
            if (c !== 0x2c) throw BAIL;
          }
        w.buf[w.itemStart + at] = n;
        break;
      }
      case T_ADDRESS: {
        const s = this.rawString();
        // A dotted quad straight into the payload; anything else as the general decoder does it.
        w.ensure(17);
        w.buf[w.pos] = Tag.address;
        if (writeV4Mapped(b.toString("latin1", s, this.pos - 1), w.buf, w.pos + 1)) w.pos += 17;
        else this.text(t, tEnd, s);
        break;
      }
      case T_TIMESTAMP: {
        const s = this.rawString();
        const ms = millis(b, s, this.pos - 1);
        if (ms === undefined) this.text(t, tEnd, s);
        else {
          w.u8(Tag.timestamp);
          w.i64(BigInt(ms) * 1_000_000n);
        }
        break;
      }
      case T_TEXT:
        // Other text-valued types: converted exactly as the general decoder converts them.
        this.text(t, tEnd, this.rawString());
        break;
      default:
        throw BAIL; // none, set, table, unknown types: the general decoder
    }
    this.expect(0x7d);
  }
}

const scanner = new Scanner();

/**
 * Converts `input` (a client's data message) into `w`: `begin(topic)` is called with the topic's
 * bytes once known (it writes what goes before the payload), then the payload follows. Returns
 * the topic's position, or undefined if the message is not of the common shape: the caller then
 * discards what was written and uses the general decoder.
 */
export function convertDataMessage(input: Buffer, w: ByteWriter, begin: (b: Buffer, start: number, end: number) => void): FastEvent | undefined {
  const s = scanner;
  s.b = input;
  s.pos = 0;
  s.w = w;
  let topicStart = -1;
  let topicEnd = -1;
  let vector = false;
  let written = false;
  try {
    s.expect(0x7b);
    for (;;) {
      const k = s.rawString();
      const key = s.is(k, "topic") ? 1 : s.is(k, "type") ? 2 : s.is(k, "@data-type") ? 3 : s.is(k, "data") ? 4 : 0;
      s.expect(0x3a);
      if (key === 1) {
        if (topicStart >= 0 || written) throw BAIL;
        topicStart = s.rawString();
        topicEnd = s.pos - 1;
      } else if (key === 2) s.rawString();
      else if (key === 3) {
        const t = s.rawString();
        if (!s.is(t, "vector") || vector) throw BAIL;
        vector = true;
      } else if (key === 4) {
        if (!vector || topicStart < 0 || written) throw BAIL;
        begin(input, topicStart, topicEnd);
        written = true;
        // The envelope: the same as a {"@data-type":"vector","data":[...]} value.
        s.expect(0x5b);
        w.u8(Tag.vector);
        w.ensure(1);
        const at = w.pos - w.itemStart;
        w.pos++;
        let n = 0;
        s.ws();
        if (input[s.pos] === 0x5d) s.pos++;
        else
          for (;;) {
            s.value(1);
            if (++n >= 0x80) throw BAIL;
            s.ws();
            const c = input[s.pos++];
            if (c === 0x5d) break;
            if (c !== 0x2c) throw BAIL;
          }
        w.buf[w.itemStart + at] = n;
      } else throw BAIL;
      s.ws();
      const c = input[s.pos++];
      if (c === 0x7d) break;
      if (c !== 0x2c) throw BAIL;
    }
    s.ws();
    if (s.pos !== input.length || !written) throw BAIL;
    return { topicStart, topicEnd };
  } catch (e) {
    if (e === BAIL || e instanceof EncodeError) return undefined;
    throw e;
  } finally {
    s.b = EMPTY;
  }
}

/** count 1 (protocol version), count 1 (event): the envelope's fixed start. */
const HEAD = Buffer.from([Tag.vector, 3, Tag.count, 0, 0, 0, 0, 0, 0, 0, 1, Tag.count, 0, 0, 0, 0, 0, 0, 0, 1, Tag.vector, 2, Tag.string]);

/**
 * The event name's bytes in a payload written by convertDataMessage, if it is an event envelope
 * without metadata whose arguments are a vector: [start, end) in `buf`; undefined otherwise.
 */
export function eventNameSpan(buf: Buffer, start: number, end: number): [number, number] | undefined {
  if (end - start < HEAD.length + 2) return undefined;
  for (let i = 0; i < HEAD.length; i++) if (buf[start + i] !== HEAD[i]) return undefined;
  let p = start + HEAD.length;
  let len = buf[p++]!;
  if (len >= 0x80) {
    len = (len & 0x7f) | (buf[p++]! << 7);
    if (buf[p - 1]! >= 0x80) return undefined;
  }
  const nameEnd = p + len;
  if (nameEnd >= end || buf[nameEnd] !== Tag.vector) return undefined;
  return [p, nameEnd];
}

/**
 * The whole fast path: converts `input` into `w` (calling `begin` with the topic first) and checks
 * the event as the general decoder would: an envelope without metadata, declared events typed by
 * their declaration, undeclared ones only when forwarded. Returns the event's name, with the
 * payload at w.buf[payloadStart, w.pos) where payloadStart is w.pos right after `begin`; undefined
 * when the general decoder must take the message (the caller discards what was written).
 */
export function convertEvent(
  input: Buffer,
  w: ByteWriter,
  begin: (b: Buffer, start: number, end: number) => void,
  lookup: (name: string) => EventDecl<readonly unknown[]> | undefined,
  unknown: "forward" | "reject",
): string | undefined {
  let payload = -1;
  const ok = convertDataMessage(input, w, (b, start, end) => {
    if (end - start === 3 && b[start] === 0x3c && b[start + 1] === 0x24 && b[start + 2] === 0x3e) throw BAIL; // "<$>": no topic, for Broker
    begin(b, start, end);
    payload = w.pos - w.itemStart;
  });
  if (ok === undefined || payload < 0) return undefined;
  const start = w.itemStart + payload;
  const span = eventNameSpan(w.buf, start, w.pos);
  if (span === undefined) return undefined;
  const name = w.buf.toString("utf8", span[0], span[1]);
  // A name that is not UTF-8 comes back re-encoded from the general path (ZeekEvent names are text).
  if (name.includes("\ufffd")) return undefined;
  const decl = lookup(name);
  if (decl === undefined) return unknown === "forward" ? name : undefined;
  try {
    return decl.tryDecode(w.buf, start, w.pos) === undefined ? undefined : name;
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}
