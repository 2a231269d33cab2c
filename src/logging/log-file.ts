// One open log file: formatted chunks queue here and go to disk with one writev() at a time, so
// the event loop never waits on the disk and there is no promise per record. A failing disk
// (ENOSPC, EACCES, EIO ...) does not lose what was queued: the chunks stay queued, the error is
// reported once per error code, and the write is retried until it succeeds or the queue limit is
// reached (then the caller is told to drop new records, loudly).
import { close as fsClose, open as fsOpen, writev } from "node:fs";

export interface LogFileEvents {
  /** A write or open failed; `retryMs` later it is tried again. Called once per distinct error code in a row. */
  onError(file: LogFile, err: NodeJS.ErrnoException, queuedBytes: number): void;
  /** The disk accepted queued bytes again after errors. */
  onRecovered(file: LogFile): void;
  /** Bytes that reached the file (check `full` again: it may have turned false). */
  onWritten(file: LogFile, bytes: number): void;
}

export interface LogFileOptions {
  /** Delay before retrying a failed open/write. @default 1000 */
  retryMs?: number;
  /** Most bytes queued for this file before `full` turns true. @default 64 MiB */
  maxQueuedBytes?: number;
}

const IOV_MAX = 1024;

export class LogFile {
  private fd = -1;
  private opening = false;
  private writing = false;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private closing = false;
  private closed = false;
  private closeWaiters: (() => void)[] = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private lastErrorCode: string | undefined;
  private held = false;
  private readonly retryMs: number;
  private readonly maxQueued: number;

  constructor(
    /** Absolute file name. */
    readonly name: string,
    private readonly events: LogFileEvents,
    opts: LogFileOptions = {},
  ) {
    this.retryMs = opts.retryMs ?? 1000;
    this.maxQueued = opts.maxQueuedBytes ?? 64 * 1024 * 1024;
  }

  /** Bytes accepted but not yet on disk. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** True when the queue is at its limit (the disk is failing or too slow). */
  get full(): boolean {
    return this.queued >= this.maxQueued;
  }

  /** The last error, while the file is failing. */
  get failing(): string | undefined {
    return this.lastErrorCode;
  }

  /** Defers opening the file (its name is still taken by a file being rotated) until release(). */
  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    this.kick();
  }

  /** Queues chunks (taken from a ByteSink) and starts writing. */
  append(chunks: Buffer[]): void {
    if (this.closed) throw new Error(`${this.name}: write after close`);
    for (const c of chunks) {
      if (c.length === 0) continue;
      this.queue.push(c);
      this.queued += c.length;
    }
    this.kick();
  }

  private kick(): void {
    if (this.held) return;
    if (this.writing || this.opening || this.retryTimer !== null || this.queue.length === 0) {
      if (this.queue.length === 0 && !this.writing) this.maybeFinishClose();
      return;
    }
    if (this.fd < 0) {
      this.opening = true;
      // Append: a restarted logger must never truncate records an earlier run wrote.
      fsOpen(this.name, "a", 0o644, (err, fd) => {
        this.opening = false;
        if (this.closed) {
          if (!err) fsClose(fd, () => {});
          return;
        }
        if (err) return this.failed(err);
        this.fd = fd;
        this.kick();
      });
      return;
    }
    this.writing = true;
    const iov = this.queue.length <= IOV_MAX ? this.queue.slice() : this.queue.slice(0, IOV_MAX);
    writev(this.fd, iov, (err, n) => {
      this.writing = false;
      if (this.closed) return;
      if (err) return this.failed(err);
      this.consume(n);
      if (this.lastErrorCode !== undefined) {
        this.lastErrorCode = undefined;
        this.events.onRecovered(this);
      }
      this.events.onWritten(this, n);
      this.kick();
    });
  }

  /** Drops the first n queued bytes (a short write leaves the rest of a chunk queued). */
  private consume(n: number): void {
    this.queued -= n;
    while (n > 0) {
      const c = this.queue[0]!;
      if (c.length <= n) {
        n -= c.length;
        this.queue.shift();
      } else {
        this.queue[0] = c.subarray(n);
        n = 0;
      }
    }
  }

  private failed(err: NodeJS.ErrnoException): void {
    if (this.closed) return;
    const code = err.code ?? err.message;
    if (code !== this.lastErrorCode) {
      this.lastErrorCode = code;
      this.events.onError(this, err, this.queued);
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, this.retryMs);
    // A closing file keeps retrying (close() has a deadline); an idle one must not hold the process.
    if (!this.closing) this.retryTimer.unref();
  }

  /**
   * Writes what is queued, then closes. Resolves with the bytes that could not be written
   * (0 = everything is on disk) once done or after `deadlineMs` of failing writes.
   */
  close(deadlineMs = 5000): Promise<number> {
    this.closing = true;
    this.retryTimer?.ref();
    return new Promise<number>((resolve) => {
      let settled = false;
      const check = (): void => {
        if (settled) return;
        // Only a failing disk runs into the deadline; a slow but working one is waited for.
        if (this.lastErrorCode === undefined) {
          timer = setTimeout(check, deadlineMs);
          return;
        }
        settled = true;
        // Give up: the disk keeps failing. Report what is lost instead of hanging forever.
        if (this.retryTimer !== null) clearTimeout(this.retryTimer);
        this.retryTimer = null;
        const lost = this.queued;
        this.queue.length = 0;
        this.queued = 0;
        this.closeFd();
        resolve(lost);
      };
      let timer = setTimeout(check, deadlineMs);
      this.closeWaiters.push(() => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(0);
      });
      this.kick();
    });
  }

  private maybeFinishClose(): void {
    if (!this.closing || this.closed || this.writing || this.opening || this.queue.length > 0) return;
    this.closeFd();
    const w = this.closeWaiters.splice(0);
    for (const f of w) f();
  }

  private closeFd(): void {
    this.closed = true;
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      fsClose(fd, () => {});
    }
  }
}
