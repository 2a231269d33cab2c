// ZMTP 3.x framing (RFC 23 / 37): flags(1) | size(1 or 8, BE) | body. A resumable parser that
// hands out messages as spans of the received chunk whenever a message lies inside one chunk
// (no copy, no view per frame), plus the encoders for frame headers and the commands the NULL
// mechanism needs.
import { constants } from "node:buffer";
import { DecodeError } from "../errors.js";
import { PackedMessage } from "./packed.js";
import { quoted } from "../printable.js";

export const FLAG_MORE = 0x01;
export const FLAG_LONG = 0x02;
export const FLAG_COMMAND = 0x04;

const FORMAT = "zmtp";
/** A frame's declared size must fit in one Buffer; anything larger is hostile. */
const MAX_FRAME = Math.min(constants.MAX_LENGTH, Number.MAX_SAFE_INTEGER);
/** Largest command accepted: commands are small (READY metadata, PING, SUBSCRIBE topics). */
export const MAX_COMMAND = 1 << 20;
/** Frames per message; libzmq has no limit, but an endless run of empty MORE frames must not grow memory forever. */
export const MAX_FRAMES_PER_MESSAGE = 65536;

/** Receives what the parser decodes. Messages and command data share network buffers: do not mutate. */
export interface FrameSink {
  /** A complete message (all frames up to the one without MORE). */
  onMessage(msg: PackedMessage): void;
  /** A command frame: `name` is its ASCII name, `data` the bytes after the name. */
  onCommand(name: string, data: Buffer): void;
}

/**
 * Resumable frame parser. `feed()` may be called with chunks split anywhere; it throws
 * DecodeError (offset = stream offset of the bad byte) for reserved flags, commands with MORE,
 * oversized frames or messages, and truncated command names.
 */
export class FrameParser {
  /** Stream offset of the start of the current chunk, for error offsets. */
  private consumed = 0;
  private readonly head = Buffer.alloc(9);
  private headLen = 0;
  /** Body being assembled across chunks. */
  private bodyParts: Buffer[] = [];
  private bodyHave = 0;
  private bodyNeed = -1;
  private bodyFlags = 0;
  /** The chunk holding every frame of the current message so far, while they all lie in one. */
  private msgBuf: Buffer | null = null;
  private spans: number[] = [];
  /** Frames of a message that crossed a chunk boundary (packed into one buffer at its end). */
  private split: Buffer[] | null = null;
  private frameCount = 0;
  /** Header offset of the current message's first frame in msgBuf, or -1 if it is not there whole. */
  private wireStart = -1;
  private msgBytes = 0;

  /** While true only commands are accepted, so an unauthenticated peer cannot make us buffer data. */
  handshaking = false;

  /** @param maxMessageSize largest accepted message (sum of its frames) in bytes; -1 = no limit. */
  constructor(private readonly maxMessageSize = -1) {}

  /** True when no partial frame or message is pending (the stream ended on a message boundary). */
  get idle(): boolean {
    return this.headLen === 0 && this.bodyNeed < 0 && this.frameCount === 0;
  }

  feed(buf: Buffer, sink: FrameSink): void {
    const end = buf.length;
    let pos = 0;
    if (this.bodyNeed >= 0) {
      pos = this.continueBody(buf, sink);
      if (pos < 0) return;
    }
    if (this.headLen > 0) {
      pos = this.continueHead(buf, pos, sink);
      if (pos < 0) return;
    }
    while (pos < end) {
      const flags = buf[pos]!;
      let size: number;
      let start: number;
      if ((flags & FLAG_LONG) === 0) {
        if (pos + 2 > end) break;
        size = buf[pos + 1]!;
        start = pos + 2;
      } else {
        if (pos + 9 > end) break;
        size = this.longSize(buf.readUInt32BE(pos + 1), buf.readUInt32BE(pos + 5), pos);
        start = pos + 9;
      }
      this.checkFrame(flags, size, pos);
      if (start + size <= end) {
        const hdr = pos;
        pos = start + size;
        this.deliver(flags, buf, start, pos, sink, hdr);
      } else {
        this.bodyFlags = flags;
        this.bodyNeed = size;
        this.bodyParts = [buf.subarray(start)];
        this.bodyHave = end - start;
        this.consumed += end;
        return;
      }
    }
    if (pos < end) {
      // A header split across chunks: keep its (at most 8) bytes.
      buf.copy(this.head, 0, pos, end);
      this.headLen = end - pos;
    }
    this.consumed += end;
  }

  /** Fills a pending body; returns the position after it, or -1 if the chunk was used up. */
  private continueBody(buf: Buffer, sink: FrameSink): number {
    const want = this.bodyNeed - this.bodyHave;
    if (buf.length < want) {
      this.bodyParts.push(buf);
      this.bodyHave += buf.length;
      this.consumed += buf.length;
      return -1;
    }
    this.bodyParts.push(buf.subarray(0, want));
    const body = this.bodyParts.length === 1 ? this.bodyParts[0]! : Buffer.concat(this.bodyParts, this.bodyNeed);
    this.bodyParts = [];
    this.bodyNeed = -1;
    this.bodyHave = 0;
    this.deliver(this.bodyFlags, body, 0, body.length, sink, -1);
    if (want === buf.length) {
      this.consumed += buf.length;
      return -1;
    }
    return want;
  }

  /** Completes a header split across chunks; returns the position after it (and its body, when complete) or -1. */
  private continueHead(buf: Buffer, pos: number, sink: FrameSink): number {
    const flags = this.head[0]!;
    const need = (flags & FLAG_LONG) === 0 ? 2 : 9;
    const take = Math.min(need - this.headLen, buf.length - pos);
    buf.copy(this.head, this.headLen, pos, pos + take);
    this.headLen += take;
    pos += take;
    if (this.headLen < need) {
      this.consumed += buf.length;
      return -1;
    }
    const at = this.consumed + pos - need;
    const size = need === 2 ? this.head[1]! : this.longSize(this.head.readUInt32BE(1), this.head.readUInt32BE(5), at - this.consumed);
    this.headLen = 0;
    this.checkFrame(flags, size, at - this.consumed);
    if (pos + size <= buf.length) {
      this.deliver(flags, buf, pos, pos + size, sink, -1);
      return pos + size;
    }
    this.bodyFlags = flags;
    this.bodyNeed = size;
    this.bodyParts = [buf.subarray(pos)];
    this.bodyHave = buf.length - pos;
    this.consumed += buf.length;
    return -1;
  }

  private longSize(hi: number, lo: number, pos: number): number {
    const size = hi * 0x1_0000_0000 + lo;
    if (hi > 0x1f_ffff || size > MAX_FRAME) this.fail("too-large", pos, `frame size ${hi}:${lo} (hi:lo) exceeds ${MAX_FRAME}`);
    return size;
  }

  private checkFrame(flags: number, size: number, pos: number): void {
    if (flags & 0xf8) this.fail("bad-tag", pos, `reserved frame flag bits set (0x${flags.toString(16)})`);
    if (flags & FLAG_COMMAND) {
      if (flags & FLAG_MORE) this.fail("invalid", pos, "command frame with MORE flag");
      if (this.frameCount > 0) this.fail("invalid", pos, "command frame inside a multi-part message");
      if (size > MAX_COMMAND) this.fail("too-large", pos, `command of ${size} bytes exceeds ${MAX_COMMAND}`);
    } else {
      if (this.handshaking) this.fail("invalid", pos, "data frame before the handshake completed");
      const total = this.msgBytes + size;
      if (this.maxMessageSize >= 0 && total > this.maxMessageSize) {
        this.fail("too-large", pos, `message of ${total} bytes exceeds the maximum message size ${this.maxMessageSize}`);
      }
      if (this.frameCount >= MAX_FRAMES_PER_MESSAGE) this.fail("too-large", pos, `more than ${MAX_FRAMES_PER_MESSAGE} frames in one message`);
      this.msgBytes = total;
    }
  }

  /**
   * Hands on the frame buf[start, end) (`start` is also the error offset within the chunk);
   * `hdr` is where its header starts in `buf`, or -1 if the header is not there whole.
   */
  private deliver(flags: number, buf: Buffer, start: number, end: number, sink: FrameSink, hdr: number): void {
    if (flags & FLAG_COMMAND) {
      const n = end > start ? buf[start]! : -1;
      if (n < 1 || start + n + 1 > end) this.fail("truncated", start, "command frame without a complete name");
      sink.onCommand(buf.toString("latin1", start + 1, start + n + 1), buf.subarray(start + n + 1, end));
      return;
    }
    if (this.frameCount++ === 0) this.wireStart = hdr;
    if (this.split !== null) this.split.push(buf.subarray(start, end));
    else if (this.msgBuf === null || this.msgBuf === buf) {
      this.msgBuf = buf;
      this.spans.push(start, end);
    } else {
      // The message continues in another chunk: keep its frames so far as views.
      this.split = new PackedMessage(this.msgBuf, this.spans).frames();
      this.split.push(buf.subarray(start, end));
    }
    if ((flags & FLAG_MORE) === 0) {
      // Frames parsed one after another from one chunk are contiguous, headers included.
      const msg = this.split !== null ? PackedMessage.of(this.split) : new PackedMessage(buf, this.spans, this.wireStart);
      this.msgBuf = null;
      this.spans = [];
      this.split = null;
      this.frameCount = 0;
      this.msgBytes = 0;
      sink.onMessage(msg);
    }
  }

  private fail(code: "too-large" | "bad-tag" | "invalid" | "truncated", pos: number, detail: string): never {
    throw new DecodeError(FORMAT, code, this.consumed + pos, detail);
  }
}

/** Size of a frame header for a body of `len` bytes (libzmq uses LONG only above 255). */
export function headerSize(len: number): number {
  return len > 255 ? 9 : 2;
}

/** Writes a frame header at `pos`; returns the position after it. */
export function writeHeader(buf: Buffer, pos: number, flags: number, len: number): number {
  if (len > 255) {
    buf[pos] = flags | FLAG_LONG;
    buf.writeUInt32BE(Math.floor(len / 0x1_0000_0000), pos + 1);
    buf.writeUInt32BE(len >>> 0, pos + 5);
    return pos + 9;
  }
  buf[pos] = flags;
  buf[pos + 1] = len;
  return pos + 2;
}

/** One complete command frame: header, name length, name, data. */
export function encodeCommand(name: string, data: Uint8Array = EMPTY): Buffer {
  const bodyLen = 1 + name.length + data.length;
  const out = Buffer.allocUnsafe(headerSize(bodyLen) + bodyLen);
  let pos = writeHeader(out, 0, FLAG_COMMAND, bodyLen);
  out[pos++] = name.length;
  pos += out.write(name, pos, "latin1");
  out.set(data, pos);
  return out;
}

/** One complete (single-frame) data message. */
export function encodeFrame(body: Uint8Array, more = false): Buffer {
  const out = Buffer.allocUnsafe(headerSize(body.length) + body.length);
  out.set(body, writeHeader(out, 0, more ? FLAG_MORE : 0, body.length));
  return out;
}

const EMPTY = Buffer.alloc(0);

/** ZMTP metadata (READY/INITIATE properties): name-len(1) name value-len(4) value, repeated. */
export function encodeProperties(props: ReadonlyArray<readonly [string, Uint8Array]>): Buffer {
  let n = 0;
  for (const [k, v] of props) n += 1 + k.length + 4 + v.length;
  const out = Buffer.allocUnsafe(n);
  let pos = 0;
  for (const [k, v] of props) {
    out[pos++] = k.length;
    pos += out.write(k, pos, "latin1");
    out.writeUInt32BE(v.length, pos);
    out.set(v, pos + 4);
    pos += 4 + v.length;
  }
  return out;
}

/** Parses ZMTP metadata. Names keep their case (libzmq compares them case-sensitively). */
export function parseProperties(data: Buffer): Map<string, Buffer> {
  const props = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    const n = data[pos]!;
    if (n === 0) throw new DecodeError(FORMAT, "invalid", pos, "empty property name");
    if (pos + 1 + n + 4 > data.length) throw new DecodeError(FORMAT, "truncated", pos, "property header runs past the command");
    const name = data.toString("latin1", pos + 1, pos + 1 + n);
    const len = data.readUInt32BE(pos + 1 + n);
    const at = pos + 1 + n + 4;
    if (len > data.length - at) throw new DecodeError(FORMAT, "truncated", pos, `property ${quoted(name)} value of ${len} bytes runs past the command`);
    props.set(name, data.subarray(at, at + len));
    pos = at + len;
  }
  return props;
}

/** PING: TTL in tenths of a second (uint16) and up to 16 bytes of context. */
export function encodePing(ttlDeciseconds: number, context: Uint8Array = EMPTY): Buffer {
  const data = Buffer.allocUnsafe(2 + context.length);
  data.writeUInt16BE(Math.min(0xffff, Math.max(0, ttlDeciseconds)), 0);
  data.set(context, 2);
  return encodeCommand("PING", data);
}

/** Parses a PING's data; returns TTL (deciseconds) and context (truncated to 16 bytes, as libzmq echoes). */
export function parsePing(data: Buffer): { ttl: number; context: Buffer } {
  if (data.length < 2) throw new DecodeError(FORMAT, "truncated", 0, "PING without a TTL");
  return { ttl: data.readUInt16BE(0), context: data.subarray(2, 18) };
}
