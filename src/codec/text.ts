// Zeek strings are byte strings. Typed APIs hand them to JS as strings, losslessly: valid UTF-8
// decodes normally and every byte that is not part of valid UTF-8 becomes a lone surrogate
// U+DC80..U+DCFF (Python's "surrogateescape"), which the encoder turns back into that byte.
import { utf8SequenceLength } from "./broker/json.js";

const LONE_ESCAPE = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;

// Buffer#utf8Slice is what toString("utf8", s, e) ends in; calling it directly skips the
// argument checks and encoding dispatch, which cost more than decoding a short string.
type Utf8Slice = (this: Buffer, start: number, end: number) => string;
const utf8Slice: Utf8Slice =
  (Buffer.prototype as unknown as { utf8Slice?: Utf8Slice }).utf8Slice ??
  function (this: Buffer, start: number, end: number): string {
    return this.toString("utf8", start, end);
  };

/** Bytes -> string; lossless for any input. */
export function decodeZeekString(b: Buffer, start = 0, end = b.length): string {
  const s = utf8Slice.call(b, start, end);
  if (!s.includes("\uFFFD")) return s;
  // Slow path: there was an invalid sequence (or a genuine U+FFFD): decode byte by byte.
  let out = "";
  let run = start;
  for (let i = start; i < end;) {
    if (b[i]! < 0x80) {
      i++;
      continue;
    }
    const n = utf8SequenceLength(b.subarray(0, end), i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += b.toString("utf8", run, i) + String.fromCharCode(0xdc00 + b[i]!);
    run = ++i;
  }
  return out + b.toString("utf8", run, end);
}

/** String -> bytes, turning escaped lone surrogates back into raw bytes. */
export function encodeZeekString(s: string): Buffer {
  if (!LONE_ESCAPE.test(s)) return Buffer.from(s, "utf8");
  const parts: Buffer[] = [];
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff)) {
      parts.push(Buffer.from(s.slice(run, i), "utf8"), Buffer.of(c - 0xdc00));
      run = i + 1;
    }
  }
  parts.push(Buffer.from(s.slice(run), "utf8"));
  return Buffer.concat(parts);
}

/** True if a JS string needs encodeZeekString (it carries escaped raw bytes). */
export function hasEscapedBytes(s: string): boolean {
  return LONE_ESCAPE.test(s);
}
