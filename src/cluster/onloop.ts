// Zeek's onloop queue: received events wait here between the socket reader and the dispatcher.
// With a high-water mark, what does not fit is dropped (counted by the owner); with hwm 0 nothing
// is dropped and the reader takes only what fits under a fixed bound, leaving the rest to TCP
// backpressure. The dispatcher runs at most poll_max_messages per turn, awaiting async handlers,
// then yields to the event loop. A byte bound (onloop_queue_max_bytes) applies on top of the
// message counts: peers choose the size of what they send, so counting messages alone bounds nothing.

export interface OnLoopOptions<T = unknown> {
  /** onloop_queue_hwm; 0 = never drop. */
  hwm: number;
  /** poll_max_messages; 0 = no limit per turn. */
  pollMaxMessages: number;
  /** onloop_queue_max_bytes (sizes from `sizeOf`); 0 = no byte limit. @default 0 */
  maxBytes?: number;
  /** The size of an item in bytes, for maxBytes. */
  sizeOf?: (item: T) => number;
}

export class OnLoopQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private draining = false;
  private scheduled = false;
  /** A synchronous drain already ran in this tick: the next one waits for setImmediate. */
  private drainedThisTick = false;
  private closed = false;
  private readonly perTurn: number;
  /** Without an HWM, how much the reader may take from the socket ahead of the dispatcher. */
  private readonly bound: number;
  private readonly maxBytes: number;
  private readonly sizeOf: ((item: T) => number) | undefined;
  /** Bytes of the queued items (when maxBytes is set). */
  private queuedBytes = 0;

  constructor(
    private readonly opts: OnLoopOptions<T>,
    /** Runs the handlers of one item; a promise if a handler is async (awaited before the next). */
    private readonly dispatch: (item: T) => Promise<unknown> | undefined,
    /** Called when the queue has room again, to take more from the socket. */
    private readonly refill: () => void,
  ) {
    this.perTurn = opts.pollMaxMessages > 0 ? opts.pollMaxMessages : Infinity;
    this.bound = Math.max(1000, opts.pollMaxMessages > 0 ? opts.pollMaxMessages * 10 : 1000);
    this.maxBytes = opts.maxBytes !== undefined && opts.maxBytes > 0 && opts.sizeOf ? opts.maxBytes : 0;
    this.sizeOf = this.maxBytes > 0 ? opts.sizeOf : undefined;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Bytes queued (0 without a byte limit). */
  get bytes(): number {
    return this.queuedBytes;
  }

  /** How many items the reader may take now (Infinity when the HWM drops the excess). */
  room(): number {
    if (this.opts.hwm > 0) return Infinity;
    // Without an HWM nothing is dropped: over the byte limit the reader stops (TCP backpressure).
    if (this.maxBytes > 0 && this.queuedBytes >= this.maxBytes) return 0;
    return Math.max(0, this.bound - this.length);
  }

  /**
   * Queues `item`; "hwm" if the HWM is reached, "bytes" if it would exceed the byte limit (the
   * caller counts the drop), true if queued.
   */
  push(item: T): true | "hwm" | "bytes" {
    if (this.opts.hwm > 0 && this.length >= this.opts.hwm) return "hwm";
    if (this.sizeOf !== undefined) {
      const n = this.sizeOf(item);
      // With hwm 0 the reader already stopped at the limit (room()); what it took is queued.
      if (this.opts.hwm > 0 && this.queuedBytes + n > this.maxBytes && this.length > 0) return "bytes";
      this.queuedBytes += n;
    }
    this.items.push(item);
    return true;
  }

  /** Dispatches at once when idle (latency); further work after yielding to the event loop. */
  schedule(): void {
    if (this.draining || this.closed || this.length === 0) return;
    if (!this.scheduled && !this.drainedThisTick) {
      this.drainedThisTick = true;
      process.nextTick(this.endTick);
      void this.drain();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private readonly endTick = (): void => {
    this.drainedThisTick = false;
  };

  close(): void {
    this.closed = true;
    this.items = [];
    this.head = 0;
    this.queuedBytes = 0;
  }

  private async drain(): Promise<void> {
    if (this.draining || this.closed) return;
    this.draining = true;
    try {
      for (let n = 0; n < this.perTurn && this.length > 0; n++) {
        const item = this.items[this.head]!;
        this.items[this.head++] = undefined;
        if (this.sizeOf !== undefined) this.queuedBytes -= this.sizeOf(item);
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items.splice(0, this.head);
          this.head = 0;
        }
        const pending = this.dispatch(item);
        if (pending !== undefined) await pending;
      }
    } finally {
      this.draining = false;
    }
    if (this.closed) return;
    this.refill();
    this.schedule();
  }
}
