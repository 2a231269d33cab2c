// Zeek's byte escaping for log output (util::escape_utf8, ODesc::AddBytes with escape sequences,
// util::get_escaped_string). Input is raw bytes; output is a JS string that is either ASCII or
// the input's own valid UTF-8, so writing it as UTF-8 reproduces Zeek's bytes.

const HEX = "0123456789abcdef";
const utf8 = new TextDecoder("utf-8");

/** "\xHH", lowercase hex, as Zeek writes escaped bytes. */
export function hexEscape(b: number): string {
  return "\\x" + HEX[b >> 4]! + HEX[b & 15]!;
}

/**
 * Length of the valid UTF-8 sequence at b[i] that Zeek passes through (check_ok_utf8: strict
 * UTF-8, excluding C0/C1 controls, DEL, private use U+E000..U+F8FF and U+FFF0..U+FFFF), or 0.
 */
function okUtf8At(b: Uint8Array, i: number, end: number): number {
  const c = b[i]!;
  let n: number;
  let cp: number;
  if (c < 0x80) return c >= 0x20 && c !== 0x7f ? 1 : 0;
  if (c < 0xc2) return 0;
  if (c < 0xe0) (n = 2), (cp = c & 0x1f);
  else if (c < 0xf0) (n = 3), (cp = c & 0x0f);
  else if (c < 0xf5) (n = 4), (cp = c & 0x07);
  else return 0;
  if (i + n > end) return 0;
  for (let j = 1; j < n; j++) {
    const t = b[i + j]!;
    if ((t & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (t & 0x3f);
  }
  if (n === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return 0;
  if (n === 4 && (cp < 0x10000 || cp > 0x10ffff)) return 0;
  if (cp <= 0x9f || (cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xfff0 && cp <= 0xffff)) return 0;
  return n;
}

function isKeptControl(c: number): boolean {
  return c === 0x08 || c === 0x0c || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * util::escape_utf8 over b[start, end). Printable ASCII (and, if `keepControls`, \b \f \n \r \t)
 * passes; if every other byte forms acceptable UTF-8 the text is returned as is, otherwise every
 * byte outside that passing set becomes \xHH (valid multibyte characters included).
 */
export function escapeUtf8(b: Uint8Array, start: number, end: number, keepControls: boolean): string {
  let plain = true;
  for (let i = start; i < end;) {
    const c = b[i]!;
    if ((c >= 0x20 && c < 0x7f) || (keepControls && isKeptControl(c))) {
      i++;
      continue;
    }
    const n = okUtf8At(b, i, end);
    if (n === 0) {
      plain = false;
      break;
    }
    i += n;
  }
  if (plain) return decodeText(b, start, end);
  let s = "";
  let run = start;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if ((c >= 0x20 && c < 0x7f) || (keepControls && isKeptControl(c))) continue;
    if (run < i) s += latin1(b, run, i);
    s += hexEscape(c);
    run = i + 1;
  }
  if (run < end) s += latin1(b, run, end);
  return s;
}

/** ASCII bytes -> string (caller guarantees < 0x80). */
function latin1(b: Uint8Array, start: number, end: number): string {
  if (end - start <= 8192) return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
  let s = "";
  for (let i = start; i < end; i += 8192) s += latin1(b, i, Math.min(end, i + 8192));
  return s;
}

/** Valid UTF-8 bytes -> string, with a fast path for ASCII. */
function decodeText(b: Uint8Array, start: number, end: number): string {
  for (let i = start; i < end; i++) if (b[i]! >= 0x80) return utf8.decode(b.subarray(start, end));
  return latin1(b, start, end);
}

/**
 * ODesc::AddBytes with escaping on: the text between "escape locations" goes through
 * escape_utf8 (all controls escaped) when `utf8` is on, else it must be printable already.
 * Escape locations are a backslash (written `\\`), any occurrence of one of `sequences`
 * (each byte written \xHH) and, without UTF-8, any non-printable byte.
 */
export function escapeAsciiBytes(b: Uint8Array, start: number, end: number, sequences: readonly Uint8Array[], utf8On: boolean): string {
  let s = "";
  let seg = start;
  let i = start;
  while (i < end) {
    const c = b[i]!;
    let len = 0;
    if (c === 0x5c || (!utf8On && (c < 0x20 || c >= 0x7f))) len = 1;
    else len = matchSequence(b, i, end, sequences);
    if (len === 0) {
      i++;
      continue;
    }
    if (seg < i) s += utf8On ? escapeUtf8(b, seg, i, false) : latin1(b, seg, i);
    if (c === 0x5c && len === 1) s += "\\\\";
    else for (let j = i; j < i + len; j++) s += b[j] === 0x5c ? "\\\\" : hexEscape(b[j]!);
    i += len;
    seg = i;
  }
  if (seg < end) s += utf8On ? escapeUtf8(b, seg, end, false) : latin1(b, seg, end);
  return s;
}

function matchSequence(b: Uint8Array, i: number, end: number, sequences: readonly Uint8Array[]): number {
  for (let k = 0; k < sequences.length; k++) {
    const q = sequences[k]!;
    const n = q.length;
    if (n === 0 || i + n > end) continue;
    let j = 0;
    while (j < n && b[i + j] === q[j]) j++;
    if (j === n) return n;
  }
  return 0;
}

/** util::get_escaped_string(s, escape_all=false): whitespace and non-printable bytes as \xHH. */
export function escapeMetaValue(b: Uint8Array): string {
  let s = "";
  for (const c of b) s += c > 0x20 && c < 0x7f ? String.fromCharCode(c) : hexEscape(c);
  return s;
}

/** rapidjson's string quoting (after escape_utf8 for values): `"`, `\`, and control characters. */
export function jsonQuote(s: string): string {
  let out = '"';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    if (run < i) out += s.slice(run, i);
    run = i + 1;
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += "\\\\"; break;
      case 0x08: out += "\\b"; break;
      case 0x0c: out += "\\f"; break;
      case 0x0a: out += "\\n"; break;
      case 0x0d: out += "\\r"; break;
      case 0x09: out += "\\t"; break;
      default: out += "\\u00" + HEX[c >> 4]!.toUpperCase() + HEX[c & 15]!.toUpperCase();
    }
  }
  return run === 0 ? out + s + '"' : out + s.slice(run) + '"';
}
