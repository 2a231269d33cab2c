// A growable big-endian byte writer for encoders: one backing Buffer, doubled on demand.
// As a slab (take()), it hands out consecutive items as views of one chunk, so encoding a small
// message costs neither an allocation of its own nor a copy.

const SLAB_CHUNK = 64 * 1024;

export class ByteWriter {
  buf: Buffer;
  pos = 0;
  /** Start of the item being written; items before it were taken and are never overwritten. */
  private start = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // Grows in place, or (after take()) moves the item being written to a fresh chunk.
    const used = this.pos - this.start;
    let size = this.start === 0 ? this.buf.length * 2 : Math.max(SLAB_CHUNK, this.buf.length);
    while (size < used + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.pos = used;
    this.start = 0;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  u64(v: bigint): void {
    if (v >= 0n && v <= 9007199254740991n) return this.u64n(Number(v));
    this.ensure(8);
    this.buf.writeBigUInt64BE(v, this.pos);
    this.pos += 8;
  }

  /** Writes an integer-valued double in int64 range as int64, exactly, without bigint. */
  i64n(v: number): void {
    this.ensure(8);
    const hi = Math.floor(v / 0x100000000); // exact: division by 2^32 and floor of a double
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(v - hi * 0x100000000, this.pos + 4);
    this.pos += 8;
  }

  i64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  /** Writes a non-negative integer < 2^53 as uint64 without going through bigint. */
  u64n(v: number): void {
    this.ensure(8);
    this.buf.writeUInt32BE(Math.floor(v / 0x100000000), this.pos);
    this.buf.writeUInt32BE(v >>> 0, this.pos + 4);
    this.pos += 8;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** UTF-8 text without a length prefix. */
  utf8(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  /** A copy of what was written (the backing buffer is reused by reset()). */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  /** A view of what was written; valid until the next write. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
    this.start = 0;
  }

  /** Slab use: the item written since the last take() as a view; later writes never touch it. */
  take(): Buffer {
    const out = this.buf.subarray(this.start, this.pos);
    this.commit();
    return out;
  }

  /** Slab use: where the item being written starts in `buf` (ensure() may move it to a new chunk). */
  get itemStart(): number {
    return this.start;
  }

  /**
   * Slab use: take() without making a view. The item stays at buf[itemStart, pos) as they were
   * before the call; read them first.
   */
  commit(): void {
    // A nearly full or oversized chunk is left to the views into it; the next item starts afresh.
    if (this.buf.length - this.pos < 512 || this.buf.length > 16 * SLAB_CHUNK) {
      this.buf = Buffer.allocUnsafe(SLAB_CHUNK);
      this.pos = 0;
    }
    this.start = this.pos;
  }

  /** Slab use: drops what was written since the last take() (e.g. after an encoding error). */
  discard(): void {
    this.pos = this.start;
  }
}
