// A multi-part message as one object: its frames are [start, end) spans of one buffer (the
// network chunk it arrived in, or a publisher's slab). The parser makes one of these per message
// instead of one Buffer view per frame, which costs more than everything else a hot reader does
// with a small frame (compare a sender id, a format name, a topic). Views are made only on
// request. With a wire image (wireStart), a writer copies the whole message at once.
import { bytesAt } from "../bytes.js";

export class PackedMessage {
  constructor(
    /** Holds every frame; shared with other messages of the same chunk: do not mutate. */
    readonly buf: Buffer,
    /** start, end of frame 0, start, end of frame 1, ... */
    readonly spans: readonly number[],
    /**
     * Where the first frame's ZMTP header starts in `buf` when buf[wireStart, end of the last
     * frame) is the whole message exactly as a plaintext peer sent it (a proxy writes it on in one
     * copy); -1 otherwise.
     */
    readonly wireStart = -1,
  ) {}

  /** A single-frame message around `frame` (no copy). */
  static single(frame: Buffer): PackedMessage {
    return new PackedMessage(frame, [0, frame.length]);
  }

  /** Packs separate frames (e.g. frames that crossed network chunks) into one buffer. */
  static of(frames: readonly Buffer[]): PackedMessage {
    if (frames.length === 1) return PackedMessage.single(frames[0]!);
    let total = 0;
    for (const f of frames) total += f.length;
    const buf = Buffer.allocUnsafe(total);
    const spans: number[] = [];
    let pos = 0;
    for (const f of frames) {
      f.copy(buf, pos);
      spans.push(pos, (pos += f.length));
    }
    return new PackedMessage(buf, spans);
  }

  get frameCount(): number {
    return this.spans.length >>> 1;
  }

  frameLength(i: number): number {
    return this.spans[2 * i + 1]! - this.spans[2 * i]!;
  }

  /** Frame `i` as a view into `buf`. */
  frame(i: number): Buffer {
    return this.buf.subarray(this.spans[2 * i], this.spans[2 * i + 1]);
  }

  /** Every frame as a view (the `Message` form). */
  frames(): Buffer[] {
    const out: Buffer[] = [];
    for (let i = 0; i < this.spans.length; i += 2) out.push(this.buf.subarray(this.spans[i], this.spans[i + 1]));
    return out;
  }

  /** True if frame `i` holds exactly the bytes of `ref` (compared in place). */
  frameEquals(i: number, ref: Uint8Array): boolean {
    const start = this.spans[2 * i]!;
    return this.spans[2 * i + 1]! - start === ref.length && bytesAt(this.buf, start, ref);
  }

  /** Total size of the frames' bodies. */
  get byteLength(): number {
    let n = 0;
    for (let i = 0; i < this.spans.length; i += 2) n += this.spans[i + 1]! - this.spans[i]!;
    return n;
  }
}
