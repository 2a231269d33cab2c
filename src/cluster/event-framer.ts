// Outgoing events as ZMTP wire images, built straight into a slab: the topic, sender id and
// format frames are copied from a per-topic prefix and the payload is encoded after its header.
// The XPUB matches the topic in place and its flush copies messages that lie next to each other
// in the slab with one copy, instead of framing four separate parts per message.
import { ByteWriter } from "../codec/writer.js";
import { FLAG_MORE, headerSize, writeHeader } from "../transport/frame.js";
import { PackedMessage } from "../transport/packed.js";

/** The first three frames of a message on one topic, and their body spans relative to it. */
interface Prefix {
  bytes: Buffer;
  spans: readonly number[];
}

const MAX_PREFIXES = 1024;

function framed(parts: readonly Buffer[]): Prefix {
  const bytes = Buffer.allocUnsafe(parts.reduce((n, p) => n + headerSize(p.length) + p.length, 0));
  const spans: number[] = [];
  let pos = 0;
  for (const p of parts) {
    pos = writeHeader(bytes, pos, FLAG_MORE, p.length);
    bytes.set(p, pos);
    spans.push(pos, (pos += p.length));
  }
  return { bytes, spans };
}

export class EventFramer {
  /** The payload of the message begun by begin() is written here. */
  readonly w = new ByteWriter(64 * 1024);
  private readonly prefixes = new Map<string, Prefix>();
  private prefix: Prefix | null = null;

  constructor(
    private readonly idFrame: Buffer,
    private readonly formatFrame: Buffer,
  ) {}

  /** Starts a message on `topic`: its first three frames, then room for the payload's header. */
  begin(topic: string): void {
    let p = this.prefixes.get(topic);
    if (p === undefined) {
      if (this.prefixes.size >= MAX_PREFIXES) this.prefixes.clear();
      this.prefixes.set(topic, (p = framed([Buffer.from(topic, "utf8"), this.idFrame, this.formatFrame])));
    }
    this.prefix = p;
    const w = this.w;
    w.bytes(p.bytes);
    w.ensure(2);
    w.pos += 2;
  }

  /** Ends the message once its payload was written to `w`. */
  end(): PackedMessage {
    const w = this.w;
    const p = this.prefix!;
    this.prefix = null;
    const len = w.pos - (w.itemStart + p.bytes.length + 2);
    if (len > 255) {
      // A long payload needs the 9-byte header: move it up by 7 (libzmq's headers, byte for byte).
      w.ensure(7); // may move the item to a new chunk: positions are taken after it
      const from = w.itemStart + p.bytes.length + 2;
      w.buf.copyWithin(from + 7, from, w.pos);
      w.pos += 7;
    }
    const buf = w.buf;
    const start = w.itemStart;
    const body = writeHeader(buf, start + p.bytes.length, 0, len);
    const s = p.spans;
    const msg = new PackedMessage(buf, [start + s[0]!, start + s[1]!, start + s[2]!, start + s[3]!, start + s[4]!, start + s[5]!, body, body + len], start);
    w.commit();
    return msg;
  }

  /** Drops the message begun by begin() (its payload could not be encoded). */
  abort(): void {
    this.prefix = null;
    this.w.discard();
  }
}
