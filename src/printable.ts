// Peer-chosen text (topics, node ids, socket types, stream, writer and path names) ends up on
// stderr and in files. Printed raw, a newline forges a log line and an escape sequence drives the
// operator's terminal, so every such string goes through printable(); and every "warn once" set a
// peer can grow goes through Warnings, which bounds it and rate-limits the output. Shared by every
// layer, like errors.ts and bytes.ts.

const HEX = "0123456789abcdef";

/** True for code units that are safe to print as they are (no controls, no bidi overrides, no lone surrogates). */
function plain(c: number): boolean {
  if (c < 0x20 || c === 0x5c || (c >= 0x7f && c <= 0x9f)) return false;
  if (c < 0x2028) return true;
  // Line/paragraph separators, bidi embeddings/overrides/isolates, BOM; surrogates are checked by the caller.
  return !(c === 0x2028 || c === 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0xfeff);
}

/**
 * `s` with every control character, backslash, bidi override and lone surrogate escaped
 * (`\n`, `\t`, `\\`, `\xHH`, `\uHHHH`), so it prints on one line as exactly what was received;
 * bytes are read as Latin-1. Longer than `max` characters: cut, with the number of characters left out.
 */
export function printable(s: string | Uint8Array, max = 256): string {
  const text = typeof s === "string" ? s : Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString("latin1");
  const n = Math.min(text.length, max);
  let i = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (!plain(c) || (c >= 0xd800 && c <= 0xdfff)) break;
  }
  if (i === text.length) return text;
  let out = text.slice(0, i);
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += text[i]! + text[i + 1]!;
        i++;
        continue;
      }
    }
    if (plain(c) && !(c >= 0xd800 && c <= 0xdfff)) out += text[i];
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x5c) out += "\\\\";
    else if (c < 0x100) out += "\\x" + HEX[c >> 4]! + HEX[c & 15]!;
    else out += "\\u" + c.toString(16).padStart(4, "0");
  }
  if (text.length > max) out += `…(${text.length - max} more)`;
  return out;
}

/** `printable(s)` in double quotes: for names inside a sentence. */
export function quoted(s: string | Uint8Array, max = 256): string {
  return `"${printable(s, max).replaceAll('"', '\\"')}"`;
}

export interface WarningsOptions {
  /** Distinct keys remembered; new keys beyond it are only counted. @default 1000 */
  maxKeys?: number;
  /** Warnings printed per interval; the rest are counted and summed up in one line later. @default 10 */
  burst?: number;
  /** @default 10_000 */
  intervalMs?: number;
}

/**
 * "Warn once per key", bounded: at most `maxKeys` keys are remembered and at most `burst` lines
 * are printed per interval. Whatever is not printed is counted (`suppressed`) and announced in one
 * summary line with the next warning that is printed (or by flush()).
 */
export class Warnings {
  /** Warnings not printed (rate limit or key limit), in all. */
  suppressed = 0;
  private readonly keys = new Set<string>();
  private readonly maxKeys: number;
  private readonly burst: number;
  private readonly intervalMs: number;
  private windowStart = 0;
  private printedInWindow = 0;
  private pendingSummary = 0;

  constructor(
    private readonly print: (line: string) => void,
    opts: WarningsOptions = {},
  ) {
    this.maxKeys = opts.maxKeys ?? 1000;
    this.burst = opts.burst ?? 10;
    this.intervalMs = opts.intervalMs ?? 10_000;
  }

  /** Prints `message()` unless `key` was warned about before; returns true if it printed. */
  once(key: string, message: () => string): boolean {
    if (this.keys.has(key)) return false;
    if (this.keys.size >= this.maxKeys) {
      this.suppress();
      return false;
    }
    this.keys.add(key);
    return this.emit(message);
  }

  /** Prints `message()` (rate-limited, not deduplicated); returns true if it printed. */
  always(message: () => string): boolean {
    return this.emit(message);
  }

  /** Prints the pending summary of suppressed warnings, if any. */
  flush(): void {
    if (this.pendingSummary === 0) return;
    this.print(`${this.pendingSummary} further warning${this.pendingSummary === 1 ? "" : "s"} suppressed (rate or key limit)`);
    this.pendingSummary = 0;
  }

  private emit(message: () => string): boolean {
    const now = performance.now();
    if (now - this.windowStart >= this.intervalMs) {
      this.windowStart = now;
      this.printedInWindow = 0;
    }
    if (this.printedInWindow >= this.burst) {
      this.suppress();
      return false;
    }
    this.printedInWindow++;
    this.flush();
    this.print(message());
    return true;
  }

  private suppress(): void {
    this.suppressed++;
    this.pendingSummary++;
  }
}
