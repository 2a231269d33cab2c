// A lenient, total JSON reader over raw bytes. Zeek's Broker JSON is not always strict JSON:
// bare inf/-inf/nan, raw control and non-UTF-8 bytes inside strings, and the escape "\v" all
// occur in what Zeek sends, so the reader accepts them. Numbers stay text so that 64-bit
// integers are never rounded.
import { DecodeError } from "../../errors.js";

export type Json =
  | { readonly k: "object"; readonly at: number; readonly v: readonly (readonly [string, Json])[] }
  | { readonly k: "array"; readonly at: number; readonly v: readonly Json[] }
  | { readonly k: "string"; readonly at: number; readonly v: Buffer }
  | { readonly k: "number"; readonly at: number; readonly v: string }
  | { readonly k: "bool"; readonly at: number; readonly v: boolean }
  | { readonly k: "null"; readonly at: number };

export const MAX_JSON_DEPTH = 128;

const NUMBER = /^-?(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|inf|nan)$/;

class Reader {
  pos = 0;
  constructor(
    readonly b: Buffer,
    readonly format: string,
  ) {}

  fail(detail: string, at = this.pos, code: DecodeError["code"] = "invalid"): never {
    throw new DecodeError(this.format, code, at, detail);
  }

  ws(): void {
    const b = this.b;
    while (this.pos < b.length) {
      const c = b[this.pos]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  value(depth: number): Json {
    this.ws();
    const at = this.pos;
    if (at >= this.b.length) this.fail("unexpected end of input", at, "truncated");
    const c = this.b[at]!;
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth >= MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH}`, at, "too-deep");
      return c === 0x7b ? this.object(depth) : this.array(depth);
    }
    if (c === 0x22 /* " */) return { k: "string", at, v: this.string() };
    return this.scalar(at);
  }

  private object(depth: number): Json {
    const at = this.pos++;
    const v: [string, Json][] = [];
    this.ws();
    if (this.b[this.pos] === 0x7d) {
      this.pos++;
      return { k: "object", at, v };
    }
    for (;;) {
      this.ws();
      if (this.b[this.pos] !== 0x22) this.fail("expected a string key");
      const key = this.string().toString("utf8");
      this.ws();
      if (this.b[this.pos] !== 0x3a) this.fail("expected ':'");
      this.pos++;
      v.push([key, this.value(depth + 1)]);
      this.ws();
      const c = this.b[this.pos];
      this.pos++;
      if (c === 0x7d) return { k: "object", at, v };
      if (c !== 0x2c) this.fail("expected ',' or '}'", this.pos - 1, c === undefined ? "truncated" : "invalid");
    }
  }

  private array(depth: number): Json {
    const at = this.pos++;
    const v: Json[] = [];
    this.ws();
    if (this.b[this.pos] === 0x5d) {
      this.pos++;
      return { k: "array", at, v };
    }
    for (;;) {
      v.push(this.value(depth + 1));
      this.ws();
      const c = this.b[this.pos];
      this.pos++;
      if (c === 0x5d) return { k: "array", at, v };
      if (c !== 0x2c) this.fail("expected ',' or ']'", this.pos - 1, c === undefined ? "truncated" : "invalid");
    }
  }

  /** A string's bytes with escapes resolved; raw bytes (any value but '"' and '\') kept as-is. */
  private string(): Buffer {
    const b = this.b;
    const start = ++this.pos;
    // Fast path: no escapes.
    let i = start;
    while (i < b.length && b[i] !== 0x22 && b[i] !== 0x5c) i++;
    if (i >= b.length) this.fail("unterminated string", start - 1, "truncated");
    if (b[i] === 0x22) {
      this.pos = i + 1;
      return b.subarray(start, i);
    }
    const out: number[] = [];
    for (let j = start; j < i; j++) out.push(b[j]!);
    this.pos = i;
    for (;;) {
      if (this.pos >= b.length) this.fail("unterminated string", start - 1, "truncated");
      const c = b[this.pos++]!;
      if (c === 0x22) return Buffer.from(out);
      if (c !== 0x5c) {
        out.push(c);
        continue;
      }
      const e = b[this.pos++];
      switch (e) {
        case 0x22: case 0x5c: case 0x2f: out.push(e); break;
        case 0x62: out.push(8); break; // \b
        case 0x66: out.push(12); break; // \f
        case 0x6e: out.push(10); break; // \n
        case 0x72: out.push(13); break; // \r
        case 0x74: out.push(9); break; // \t
        case 0x76: out.push(11); break; // \v (Zeek emits it)
        case 0x75: { // \uXXXX, with surrogate pairs
          let cp = this.hex4();
          if (cp >= 0xd800 && cp < 0xdc00 && b[this.pos] === 0x5c && b[this.pos + 1] === 0x75) {
            const save = this.pos;
            this.pos += 2;
            const lo = this.hex4();
            if (lo >= 0xdc00 && lo < 0xe000) cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            else this.pos = save;
          }
          for (const x of Buffer.from(String.fromCodePoint(cp), "utf8")) out.push(x);
          break;
        }
        case undefined:
          this.fail("unterminated string", start - 1, "truncated"); // throws: no fall-through
        // falls through
        default:
          this.fail(`bad escape '\\${String.fromCharCode(e)}'`, this.pos - 2);
      }
    }
  }

  private hex4(): number {
    const s = this.b.toString("latin1", this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(s)) this.fail("bad \\u escape", this.pos - 2);
    this.pos += 4;
    return parseInt(s, 16);
  }

  private scalar(at: number): Json {
    let i = at;
    const b = this.b;
    while (i < b.length && i - at < 400) {
      const c = b[i]!;
      if (c === 0x2c || c === 0x7d || c === 0x5d || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) break;
      i++;
    }
    const tok = b.toString("latin1", at, i);
    this.pos = i;
    if (tok === "true" || tok === "false") return { k: "bool", at, v: tok === "true" };
    if (tok === "null") return { k: "null", at };
    // %f of huge reals has 300+ digits, so allow long numbers but not unbounded ones.
    if (!NUMBER.test(tok)) this.fail(tok ? `unexpected token '${tok.slice(0, 20)}'` : "unexpected end of input", at, tok ? "invalid" : "truncated");
    return { k: "number", at, v: tok };
  }
}

/** Parses one JSON document from bytes (or text). */
export function parseJson(input: Uint8Array | string, format: string): Json {
  const b = typeof input === "string" ? Buffer.from(input, "utf8") : Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const r = new Reader(b, format);
  const v = r.value(0);
  r.ws();
  if (r.pos !== b.length) r.fail("trailing bytes after the JSON value", r.pos, "trailing");
  return v;
}
