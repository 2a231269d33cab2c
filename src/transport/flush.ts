// Writing a pipe's queued messages to its connection: a batch of messages is encoded into one
// buffer and written with one socket write, until the socket pushes back. Bodies of 16 KiB or
// more are written as their own buffers instead of being copied. The plaintext path copies a
// PackedMessage's wire image (or its spans) directly, so a proxy forwards without making views;
// the CURVE path seals each frame into a MESSAGE with the inner MORE flag.
import type { Socket as NetSocket } from "node:net";
import { FLAG_MORE, headerSize, writeHeader } from "./frame.js";
import { type FrameCodec, WRAP_MORE } from "./mechanism.js";
import type { PackedMessage } from "./packed.js";
import { type OutgoingMessage, type Queue, isFrames } from "./queue.js";

/** Bytes encoded per write when the queue is long. */
const BATCH_BYTES = 256 * 1024;
/** Bodies this large or larger are written without copying. */
const ZERO_COPY_MIN = 16 * 1024;
/**
 * Spans of a PackedMessage this short are copied by a loop: Buffer#copy of a span (a view
 * made per copy) costs ~60 ns, the loop ~1 ns a byte.
 */
const SMALL_FRAME = 32;
/**
 * A frame given as its own Uint8Array needs no view: Uint8Array#set (~16 ns flat) beats the loop
 * from here on; copying a topic, node id and format name with set() instead of the loop cut a
 * publisher's CPU by ~12 % (BENCHMARKS.md, issue 13).
 */
const TINY_FRAME = 8;

/** Encoded size of a frame of `len` bytes in a batch buffer (a large body only has its header there). */
function batchBytes(len: number): number {
  return len >= ZERO_COPY_MIN ? 9 : len > 255 ? len + 9 : len + 2;
}

function copyRun(buf: Buffer, pos: number, src: Buffer, start: number, end: number): number {
  buf.set(src.subarray(start, end), pos);
  return pos + end - start;
}

/** Bytes of `m`'s wire image when it is copied as one block (it has one, and no large body), else -1. */
function wireLength(m: PackedMessage): number {
  const len = m.spans[m.spans.length - 1]! - m.wireStart;
  return m.wireStart >= 0 && len < ZERO_COPY_MIN ? len : -1;
}

/** Writes queued messages in the clear until the socket pushes back. */
export function flushPlain(q: Queue<OutgoingMessage>, sock: NetSocket): void {
  while (q.length > 0 && !sock.writableNeedDrain) {
    let n = 0;
    let bytes = 0;
    let large = 0;
    while (n < q.length && bytes < BATCH_BYTES) {
      const m = q.peek(n++);
      if (isFrames(m)) {
        for (let i = 0; i < m.length; i++) {
          const len = m[i]!.length;
          if (len >= ZERO_COPY_MIN) large++;
          bytes += batchBytes(len);
        }
      } else {
        const wire = wireLength(m);
        if (wire >= 0) {
          bytes += wire;
          continue;
        }
        const sp = m.spans;
        for (let i = 0; i < sp.length; i += 2) {
          const len = sp[i + 1]! - sp[i]!;
          if (len >= ZERO_COPY_MIN) large++;
          bytes += batchBytes(len);
        }
      }
    }
    const buf = Buffer.allocUnsafe(bytes);
    if (large > 0) sock.cork();
    let pos = 0;
    // Start of the part of `buf` not yet written (a large body interrupts the batch).
    let seg = 0;
    // Received messages are copied as they arrived, headers and all; messages that lay next to
    // each other in one network chunk (a proxy's common case) are copied together.
    let run: Buffer | null = null;
    let runStart = 0;
    let runEnd = 0;
    for (let k = 0; k < n; k++) {
      const m = q.peek(k);
      if (isFrames(m)) {
        if (run !== null) {
          pos = copyRun(buf, pos, run, runStart, runEnd);
          run = null;
        }
        const last = m.length - 1;
        for (let i = 0; i <= last; i++) {
          const f = m[i]!;
          const len = f.length;
          pos = writeHeader(buf, pos, i < last ? FLAG_MORE : 0, len);
          if (len <= TINY_FRAME) for (let j = 0; j < len; j++) buf[pos + j] = f[j]!;
          else if (len < ZERO_COPY_MIN) buf.set(f, pos);
          else {
            sock.write(buf.subarray(seg, pos));
            sock.write(f);
            seg = pos;
            continue;
          }
          pos += len;
        }
        continue;
      }
      const wire = wireLength(m);
      if (wire >= 0) {
        if (run === m.buf && runEnd === m.wireStart) runEnd += wire;
        else {
          if (run !== null) pos = copyRun(buf, pos, run, runStart, runEnd);
          run = m.buf;
          runStart = m.wireStart;
          runEnd = runStart + wire;
        }
        continue;
      }
      if (run !== null) {
        pos = copyRun(buf, pos, run, runStart, runEnd);
        run = null;
      }
      const src = m.buf;
      const sp = m.spans;
      const last = sp.length - 2;
      for (let i = 0; i <= last; i += 2) {
        const s = sp[i]!;
        const len = sp[i + 1]! - s;
        pos = writeHeader(buf, pos, i < last ? FLAG_MORE : 0, len);
        if (len <= SMALL_FRAME) for (let j = 0; j < len; j++) buf[pos + j] = src[s + j]!;
        else if (len < ZERO_COPY_MIN) src.copy(buf, pos, s, s + len);
        else {
          sock.write(buf.subarray(seg, pos));
          sock.write(src.subarray(s, s + len));
          seg = pos;
          continue;
        }
        pos += len;
      }
    }
    if (run !== null) pos = copyRun(buf, pos, run, runStart, runEnd);
    if (pos > seg) sock.write(seg === 0 && pos === buf.length ? buf : buf.subarray(seg, pos));
    if (large > 0) sock.uncork();
    q.drop(n);
  }
}

/** Seals and writes queued messages until the socket pushes back. */
export function flushSealed(codec: FrameCodec, q: Queue<OutgoingMessage>, sock: NetSocket): void {
  const over = codec.overhead;
  const pre = codec.prefixSize;
  while (q.length > 0 && !sock.writableNeedDrain) {
    let n = 0;
    let bytes = 0;
    while (n < q.length && bytes < BATCH_BYTES) {
      const m = q.peek(n++);
      const frames = isFrames(m) ? m : m.frames();
      for (let i = 0; i < frames.length; i++) {
        const body = frames[i]!.length + over;
        bytes += body >= ZERO_COPY_MIN ? 9 + pre : headerSize(body) + body;
      }
    }
    const buf = Buffer.allocUnsafe(bytes);
    let pos = 0;
    let seg = 0;
    sock.cork();
    for (let k = 0; k < n; k++) {
      const m = q.peek(k);
      const frames = isFrames(m) ? m : m.frames();
      const last = frames.length - 1;
      for (let i = 0; i <= last; i++) {
        const f = frames[i]!;
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
