// The message queues of a pipe, and what a connection needs of its pipe: kept apart from pipe.ts
// so that a connection and its pipe know each other without an import circle.
import type { PackedMessage } from "./packed.js";

/** A ZeroMQ message: its frames. Received frames are views into network buffers. */
export type Message = Buffer[];
/**
 * What callers may send: frames as any Uint8Array (Buffers are written without copying when
 * large), or a received PackedMessage forwarded as it is (a proxy's hot path).
 */
export type OutgoingMessage = ReadonlyArray<Uint8Array> | PackedMessage;

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
