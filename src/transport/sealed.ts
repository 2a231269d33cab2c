// Writing through a FrameCodec (CURVE): each queued frame becomes one sealed MESSAGE frame with
// the inner MORE flag, coalesced into few large socket writes like the plaintext path. Large
// boxes are written as their own buffer instead of being copied again.
import type { Socket as NetSocket } from "node:net";
import { DecodeError } from "../errors.js";
import { MAX_FRAMES_PER_MESSAGE, headerSize, writeHeader } from "./frame.js";
import { type FrameCodec, WRAP_COMMAND, WRAP_MORE } from "./mechanism.js";
import type { OutgoingMessage, Queue } from "./pipe.js";

const BATCH_BYTES = 256 * 1024;
const ZERO_COPY_MIN = 16 * 1024;

/** Seals and writes queued messages until the socket pushes back. */
export function flushSealed(codec: FrameCodec, q: Queue<OutgoingMessage>, sock: NetSocket): void {
  const over = codec.overhead;
  const pre = codec.prefixSize;
  while (q.length > 0 && !sock.writableNeedDrain) {
    let n = 0;
    let bytes = 0;
    while (n < q.length && bytes < BATCH_BYTES) {
      const m = q.peek(n);
      for (let i = 0; i < m.length; i++) {
        const body = m[i]!.length + over;
        bytes += body >= ZERO_COPY_MIN ? 9 + pre : headerSize(body) + body;
      }
      n++;
    }
    const buf = Buffer.allocUnsafe(bytes);
    let pos = 0;
    let seg = 0;
    sock.cork();
    for (let k = 0; k < n; k++) {
      const m = q.peek(k);
      const last = m.length - 1;
      for (let i = 0; i <= last; i++) {
        const f = m[i]!;
        const body = f.length + over;
        // Outer flags stay 00/02: MORE travels inside the box (wire.md §1.10).
        pos = writeHeader(buf, pos, 0, body);
        const box = codec.seal(i < last ? WRAP_MORE : 0, f, buf, pos);
        pos += pre;
        if (body >= ZERO_COPY_MIN) {
          sock.write(buf.subarray(seg, pos));
          sock.write(box);
          seg = pos;
        } else {
          buf.set(box, pos);
          pos += box.length;
        }
      }
    }
    if (pos > seg) sock.write(buf.subarray(seg, pos));
    sock.uncork();
    q.drop(n);
  }
}

/**
 * One sealed frame carrying a command (`name` given: inner COMMAND flag, body = name-len, name,
 * data) or a single data frame (`name` null, e.g. a ZMTP 3.0 subscription).
 */
export function sealCommand(codec: FrameCodec, name: string | null, data: Uint8Array): Buffer {
  let inner: Uint8Array = data;
  if (name !== null) {
    const b = Buffer.allocUnsafe(1 + name.length + data.length);
    b[0] = name.length;
    b.write(name, 1, "latin1");
    b.set(data, 1 + name.length);
    inner = b;
  }
  const body = inner.length + codec.overhead;
  const out = Buffer.allocUnsafe(headerSize(body) + body);
  const pos = writeHeader(out, 0, 0, body);
  const box = codec.seal(name !== null ? WRAP_COMMAND : 0, inner, out, pos);
  out.set(box, pos + codec.prefixSize);
  return out;
}

/**
 * Opens MESSAGE bodies and reassembles multi-part messages from their inner MORE flags, with the
 * same limits as the plaintext parser (maxMessageSize on the payload, frames per message).
 */
export class Opener {
  private frames: Buffer[] = [];
  private bytes = 0;

  constructor(
    private readonly codec: FrameCodec,
    private readonly maxMessageSize: number,
    private readonly deliver: (frames: Buffer[]) => void,
  ) {}

  /** Opens one body (`offset` = first byte after the name); returns an inner command, else null. */
  open(body: Buffer, offset: number): { name: string; data: Buffer } | null {
    const plain = this.codec.open(body, offset);
    const flags = plain[0]!;
    const payload = plain.subarray(1);
    if (flags & WRAP_COMMAND) {
      if (this.frames.length > 0) throw new DecodeError("zmtp-curve", "invalid", 0, "command inside a multi-part message");
      const n = payload.length > 0 ? payload[0]! : -1;
      if (n < 1 || n + 1 > payload.length) throw new DecodeError("zmtp-curve", "truncated", 0, "encrypted command without a complete name");
      return { name: payload.toString("latin1", 1, n + 1), data: payload.subarray(n + 1) };
    }
    const max = this.maxMessageSize;
    this.bytes += payload.length;
    if (max >= 0 && this.bytes > max) throw new DecodeError("zmtp-curve", "too-large", 0, `message of ${this.bytes} bytes exceeds the maximum message size ${max}`);
    if (this.frames.length >= MAX_FRAMES_PER_MESSAGE) throw new DecodeError("zmtp-curve", "too-large", 0, `more than ${MAX_FRAMES_PER_MESSAGE} frames in one message`);
    this.frames.push(payload);
    if ((flags & WRAP_MORE) === 0) {
      const frames = this.frames;
      this.frames = [];
      this.bytes = 0;
      this.deliver(frames);
    }
    return null;
  }
}
