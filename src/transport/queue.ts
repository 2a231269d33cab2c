// The message queues of a pipe, and what a connection needs of its pipe: kept apart from pipe.ts
// so that a connection and its pipe know each other without an import circle.
import { PackedMessage } from "./packed.js";

/** A ZeroMQ message: its frames. Received frames are views into network buffers. */
export type Message = Buffer[];
/** A frame as send() takes it: bytes, or a string, sent as its UTF-8 bytes (as zeromq.js does). */
export type FrameLike = Uint8Array | string;
/**
 * What send() takes: one frame, an array of frames, or a received PackedMessage forwarded as it
 * is (a proxy's hot path). Byte frames are queued by reference (large ones are written without
 * copying): do not modify them after send().
 */
export type MessageLike = FrameLike | ReadonlyArray<FrameLike> | PackedMessage;
/** A message as it waits in a pipe: frames are bytes only (strings were encoded by send()). */
export type OutgoingMessage = ReadonlyArray<Uint8Array> | PackedMessage;

/**
 * True when `m` is an array of frames, false for a PackedMessage. Array.isArray is one map
 * check; `instanceof PackedMessage` on an array walks its whole prototype chain, and the send
 * path asks this several times per message.
 */
export function isFrames(m: OutgoingMessage): m is ReadonlyArray<Uint8Array> {
  return Array.isArray(m);
}

/**
 * The queued form of `msg`: an array of byte frames (or the PackedMessage) is used as it is;
 * each string frame is encoded once, here, so the flush writers only ever see bytes. Throws a
 * TypeError for what is not a message (no frame, a frame of another type).
 *
 * Small on purpose, with the rare cases out of line: V8 inlines a socket's send() into the
 * caller's loop only while send() and everything inlined into it stay within its inlining budget
 * (920 bytes of bytecode, less a 20 % reserve), and a send() that is called instead costs the
 * transport bench's publisher 7 % more instructions per message (BENCHMARKS.md, issue 13).
 */
export function toOutgoing(msg: MessageLike): OutgoingMessage {
  if (Array.isArray(msg)) {
    if (bytesOnly(msg)) return msg as ReadonlyArray<Uint8Array>;
  } else if (msg instanceof PackedMessage) return msg;
  return convert(msg);
}

/** True for a non-empty array of byte frames (the hot path: a node publishes its 4 frames). */
function bytesOnly(frames: ReadonlyArray<FrameLike>): boolean {
  const n = frames.length;
  for (let i = 0; i < n; i++) if (!(frames[i] instanceof Uint8Array)) return false;
  return n > 0;
}

/** toOutgoing's slow path: string frames encoded, a lone frame wrapped, or a TypeError. */
function convert(msg: MessageLike): OutgoingMessage {
  if (Array.isArray(msg)) {
    if (msg.length === 0) throw new TypeError("a ZeroMQ message needs at least one frame");
    return encodeFrames(msg);
  }
  if (typeof msg === "string") return [Buffer.from(msg, "utf8")];
  if (msg instanceof Uint8Array) return [msg];
  throw new TypeError(`cannot send ${msg === null ? "null" : typeof msg}: a message is a frame (Uint8Array or string) or an array of frames`);
}

/** A copy of the array with its string frames encoded. */
function encodeFrames(msg: ReadonlyArray<FrameLike>): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < msg.length; i++) {
    const f: unknown = msg[i];
    if (typeof f === "string") out.push(Buffer.from(f, "utf8"));
    else if (f instanceof Uint8Array) out.push(f);
    else throw new TypeError(`frame ${i} of the message is ${f === null ? "null" : typeof f}; a frame is a Uint8Array (Buffer) or a string`);
  }
  return out;
}

/** FIFO ring buffer; O(1) push/shift, no per-item allocation once grown. */
export class Queue<T> {
  private items: (T | undefined)[] = new Array<T | undefined>(16);
  private head = 0;
  private mask = 15;
  length = 0;

  push(item: T): void {
    if (this.length > this.mask) this.grow();
    this.items[(this.head + this.length) & this.mask] = item;
    this.length++;
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return item;
  }

  /** The i-th item from the front (0 = next to shift); caller guarantees i < length. */
  peek(i: number): T {
    return this.items[(this.head + i) & this.mask] as T;
  }

  /** Drops the first n items. */
  drop(n: number): void {
    for (let i = 0; i < n; i++) {
      this.items[this.head] = undefined;
      this.head = (this.head + 1) & this.mask;
    }
    this.length -= n;
  }

  /** Keeps only the items for which `keep` is true, in order. */
  retain(keep: (item: T) => boolean): void {
    const n = this.length;
    const kept: T[] = [];
    for (let i = 0; i < n; i++) {
      const item = this.peek(i);
      if (keep(item)) kept.push(item);
    }
    this.clear();
    for (const item of kept) this.push(item);
  }

  clear(): void {
    this.items = new Array<T | undefined>(16);
    this.head = 0;
    this.mask = 15;
    this.length = 0;
  }

  private grow(): void {
    const size = (this.mask + 1) * 2;
    const next = new Array<T | undefined>(size);
    for (let i = 0; i < this.length; i++) next[i] = this.items[(this.head + i) & this.mask];
    this.items = next;
    this.head = 0;
    this.mask = size - 1;
  }
}

/** PendingSubscriptions state bits: the peer holds the topic (as far as we told it) / it should. */
export const PEER_HAS = 1;
export const WANT = 2;

/**
 * Subscription changes an XSUB owes a peer that is not taking them (coalesced per topic, Latin-1
 * key -> PEER_HAS | WANT). An entry whose WANT equals PEER_HAS is deleted at once, so the map
 * never holds more than the topics whose state differs from the peer's: bounded by the distinct
 * topics, never by churn. Written in insertion order once the connection has room.
 */
export type PendingSubscriptions = Map<string, number>;

/** The outbound side of a pipe, as its connection drains it. */
export interface OutboundPipe {
  readonly out: Queue<OutgoingMessage>;
  /** A send found the pipe full; the connection reports "drain" once it has room again. */
  readonly blocked: boolean;
  readonly full: boolean;
  /** XSUB: subscription changes waiting for room, written after `out` and `replay` (null = none). */
  subs: PendingSubscriptions | null;
  /** XSUB: the sorted subscription set being replayed since the connection, and the next index. */
  replay: readonly string[] | null;
  replayAt: number;
  /** XSUB: when this pipe started to owe subscription changes or last took some. */
  behindSince: number;
  /** XSUB: subscription changes owed (replay left plus coalesced changes). */
  readonly backlog: number;
}
