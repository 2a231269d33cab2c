// Zeek's onloop queue: received events wait here between the socket reader and the dispatcher.
// With a high-water mark, what does not fit is dropped (counted by the owner); with hwm 0 nothing
// is dropped and the reader takes only what fits under a fixed bound, leaving the rest to TCP
// backpressure. The dispatcher runs at most poll_max_messages per turn, awaiting async handlers,
// then yields to the event loop.

export interface OnLoopOptions {
  /** onloop_queue_hwm; 0 = never drop. */
  hwm: number;
  /** poll_max_messages; 0 = no limit per turn. */
  pollMaxMessages: number;
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

  constructor(
    private readonly opts: OnLoopOptions,
    /** Runs the handlers of one item; a promise if a handler is async (awaited before the next). */
    private readonly dispatch: (item: T) => Promise<unknown> | undefined,
    /** Called when the queue has room again, to take more from the socket. */
    private readonly refill: () => void,
  ) {
    this.perTurn = opts.pollMaxMessages > 0 ? opts.pollMaxMessages : Infinity;
    this.bound = Math.max(1000, opts.pollMaxMessages > 0 ? opts.pollMaxMessages * 10 : 1000);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** How many items the reader may take now (Infinity when the HWM drops the excess). */
  room(): number {
    return this.opts.hwm > 0 ? Infinity : Math.max(0, this.bound - this.length);
  }

  /** Queues `item`; false if the HWM is reached (the caller counts the drop). */
  push(item: T): boolean {
    if (this.opts.hwm > 0 && this.length >= this.opts.hwm) return false;
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
  }

  private async drain(): Promise<void> {
    if (this.draining || this.closed) return;
    this.draining = true;
    try {
      for (let n = 0; n < this.perTurn && this.length > 0; n++) {
        const item = this.items[this.head]!;
        this.items[this.head++] = undefined;
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
