// CURVE framing around a FrameCodec: commands sealed as MESSAGEs with the inner COMMAND flag,
// and MESSAGE bodies opened back into commands and multi-part messages. (Sealed writing of
// queued messages is in flush.ts.)
import { DecodeError } from "../errors.js";
import { MAX_FRAMES_PER_MESSAGE, headerSize, writeHeader } from "./frame.js";
import { type FrameCodec, WRAP_COMMAND, WRAP_MORE } from "./mechanism.js";

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
