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

/** The outbound side of a pipe, as its connection drains it. */
export interface OutboundPipe {
  readonly out: Queue<OutgoingMessage>;
  /** A send found the pipe full; the connection reports "drain" once it has room again. */
  readonly blocked: boolean;
  readonly full: boolean;
}
