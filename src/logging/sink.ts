// Formatted log output accumulates here in large chunks, so a file gets one writev() per flush
// instead of one write per record. A record is written in place; if it outgrows the current
// chunk, its partial bytes move to a fresh chunk so records never straddle two chunks. One sink
// serves every path of a logger: a batch is formatted, then taken (views) and queued on its file,
// so memory follows the bytes waiting for the disk, not the number of paths.

const CHUNK = 256 * 1024;
const EMPTY = Buffer.alloc(0);

/** A position to roll back to (see ByteSink.mark). */
export interface SinkMark {
  readonly buf: Buffer;
  readonly pos: number;
  readonly doneLength: number;
  readonly doneBytes: number;
}

export class ByteSink {
  buf: Buffer = EMPTY;
  pos = 0;
  /** Start of the record being written (its bytes move along if the chunk must be replaced). */
  private recStart = 0;
  private readonly done: Buffer[] = [];
  private doneBytes = 0;

  /** Bytes written and not yet taken. */
  get length(): number {
    return this.doneBytes + this.pos;
  }

  /** Marks the start of a record. */
  beginRecord(): void {
    this.recStart = this.pos;
  }

  /** Offset in `buf` of the record being written (it may move to a new chunk while written). */
  get recordStart(): number {
    return this.recStart;
  }

  /** Drops the bytes of the record being written (a fallback rewrites it). */
  rewindRecord(): void {
    this.pos = this.recStart;
  }

  /** The current position (a record boundary), for rollback(). Valid until the next take(). */
  mark(): SinkMark {
    return { buf: this.buf, pos: this.pos, doneLength: this.done.length, doneBytes: this.doneBytes };
  }

  /**
   * Forgets everything written since `m` (a batch refused halfway). Chunks retired since then
   * only held bytes after the mark or are views of `m.buf`, whose bytes before `m.pos` are intact.
   */
  rollback(m: SinkMark): void {
    this.done.length = m.doneLength;
    this.doneBytes = m.doneBytes;
    this.buf = m.buf;
    this.pos = m.pos;
    this.recStart = m.pos;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const partial = this.pos - this.recStart;
    const next = Buffer.allocUnsafe(Math.max(CHUNK, 2 * (partial + n)));
    this.buf.copy(next, 0, this.recStart, this.pos);
    if (this.recStart > 0) this.retire(this.buf.subarray(0, this.recStart));
    this.buf = next;
    this.pos = partial;
    this.recStart = 0;
  }

  private retire(b: Buffer): void {
    this.done.push(b);
    this.doneBytes += b.length;
  }

  /** Appends a JS string as UTF-8. */
  writeString(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  /** Appends an ASCII-only string (numbers, fixed tokens). */
  writeAscii(s: string): void {
    const n = s.length;
    this.ensure(n);
    // Short strings (numbers, addresses): a loop is cheaper than a call into the native writer.
    if (n <= 32) {
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
      this.pos = p;
    } else this.pos += this.buf.write(s, this.pos, "latin1");
  }

  writeByte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  writeBytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Takes every complete byte written so far (views; the sink continues in the rest of its chunk). */
  take(): Buffer[] {
    if (this.pos > 0) {
      this.retire(this.buf.subarray(0, this.pos));
      const rest = this.buf.length - this.pos;
      // Keep using the tail of a chunk that still has plenty of room: no new allocation per batch.
      this.buf = rest >= 16 * 1024 ? this.buf.subarray(this.pos) : EMPTY;
      this.pos = 0;
      this.recStart = 0;
    }
    const out = this.done.splice(0);
    this.doneBytes = 0;
    return out;
  }
}
