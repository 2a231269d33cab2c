// A pipe is libzmq's per-peer message queue pair: outbound messages wait here until the
// connection encodes them (send HWM), inbound ones until the application takes them (receive
// HWM). Queues are growable ring buffers, bounded by the HWM checks of their users.
import type { Connection } from "./connection.js";
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

/** One peer (or, for a connect endpoint without `immediate`, one endpoint across reconnects). */
export class Pipe {
  readonly out = new Queue<OutgoingMessage>();
  readonly in = new Queue<PackedMessage>();
  /** The live connection, or null while (re)connecting. */
  conn: Connection | null = null;
  /** Set when a send found this pipe full; cleared (with a "drain" event) once it has room. */
  blocked = false;
  /** Queued for the socket's next flush turn. */
  dirty = false;
  /** The peer connected to us (it was accepted), as opposed to an endpoint we connected to. */
  accepted = false;
  /** XSUB: subscription changes waiting for room, written after `out` and `replay` (null = none). */
  subs: PendingSubscriptions | null = null;
  /** XSUB: the sorted subscription set being replayed since the connection (shared, never modified), and the next index. */
  replay: readonly string[] | null = null;
  replayAt = 0;
  /** XSUB: when this pipe started to owe subscription changes or last took some (to find the longest-stalled peer). */
  behindSince = 0;

  constructor(
    readonly sendHwm: number,
    readonly receiveHwm: number,
  ) {}

  /** XSUB: subscription changes owed (replay left plus coalesced changes). */
  get backlog(): number {
    return (this.replay === null ? 0 : this.replay.length - this.replayAt) + (this.subs === null ? 0 : this.subs.size);
  }

  /** libzmq: HWM 0 means no limit. */
  get full(): boolean {
    return this.sendHwm > 0 && this.out.length >= this.sendHwm;
  }

  get inboundFull(): boolean {
    return this.receiveHwm > 0 && this.in.length >= this.receiveHwm;
  }

  /**
   * A paused reader resumes at libzmq's low-water mark (pipe.cpp compute_lwm), not as soon as
   * one message was taken, so a busy reader does not stop and restart the socket per read.
   */
  get inboundLow(): boolean {
    const hwm = this.receiveHwm;
    return hwm <= 0 || this.in.length <= (hwm > 2048 ? hwm - 1024 : (hwm + 1) >> 1);
  }
}
