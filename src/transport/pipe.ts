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

  constructor(
    readonly sendHwm: number,
    readonly receiveHwm: number,
  ) {}

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
