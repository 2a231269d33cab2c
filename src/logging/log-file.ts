// One log file: formatted chunks queue here and go to disk with one writev() at a time, so the
// event loop never waits on the disk and there is no promise per record. The descriptor comes
// from the logger's OpenFiles budget and may be closed while the file is idle (reopened in append
// mode when written again; a file that vanished meanwhile gets its header again, so it stays a
// valid log). A failing disk (ENOSPC, EFBIG, EACCES, EIO ...) does not lose what was queued: the
// chunks stay queued, the error is reported once per error code, and the write is retried until
// it succeeds or the queue limit is reached (then the caller drops new records, loudly).
// Records are counted as written only once the bytes that end them are on disk.
import { close as fsClose, fstat, open as fsOpen, writev } from "node:fs";
import type { OpenFiles, PooledFile } from "./open-files.js";

export interface LogFileEvents {
  /** A write or open failed; `retryMs` later it is tried again. Called once per distinct error code in a row. */
  onError(file: LogFile, err: NodeJS.ErrnoException, queuedBytes: number): void;
  /** The disk accepted queued bytes again after errors. */
  onRecovered(file: LogFile): void;
  /** `bytes` reached the file, completing `records` records (check `full` again). */
  onWritten(file: LogFile, bytes: number, records: number): void;
}

export interface LogFileOptions {
  /** Delay before retrying a failed open/write. @default 1000 */
  retryMs?: number;
  /** Most bytes queued for this file before `full` turns true. @default 64 MiB */
  maxQueuedBytes?: number;
}

/** What close() could not write. */
export interface LostOutput {
  bytes: number;
  records: number;
}

const IOV_MAX = 1024;

export class LogFile implements PooledFile {
  private fd = -1;
  private opening = false;
  private writing = false;
  private waitingSlot = false;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  /** Pairs (end offset in appended bytes, records ending there), oldest first. */
  private readonly marks: number[] = [];
  private appended = 0;
  private written = 0;
  private openedBefore = false;
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
    private readonly pool: OpenFiles,
    /** The bytes a file must start with (its header), for a reopen that finds the file empty. */
    private readonly header: () => string,
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

  get idle(): boolean {
    return this.fd >= 0 && !this.writing && !this.opening && this.queue.length === 0 && !this.closing;
  }

  /** Defers opening the file (its name is still taken by a file being rotated) until unhold(). */
  hold(): void {
    this.held = true;
  }

  unhold(): void {
    this.held = false;
    this.kick();
  }

  /** Queues chunks (taken from a ByteSink) that complete `records` records; kick() writes them. */
  append(chunks: Buffer[], records: number): void {
    if (this.closed) throw new Error(`${this.name}: write after close`);
    for (const c of chunks) {
      if (c.length === 0) continue;
      this.queue.push(c);
      this.queued += c.length;
      this.appended += c.length;
      this.pool.queuedBytes += c.length;
    }
    if (records > 0) this.marks.push(this.appended, records);
    if (this.fd >= 0) this.pool.touch(this);
  }

  /** Starts the next open or write if none is running. */
  kick(): void {
    if (this.held || this.closed) return;
    if (this.writing || this.opening || this.retryTimer !== null || this.queue.length === 0) {
      if (this.queue.length === 0 && !this.writing && !this.opening) this.maybeFinishClose();
      return;
    }
    if (this.fd < 0) {
      if (!this.pool.acquire(this)) {
        this.waitingSlot = true;
        return;
      }
      this.waitingSlot = false;
      this.opening = true;
      // Append: a restarted logger must never truncate records an earlier run wrote.
      fsOpen(this.name, "a", 0o644, (err, fd) => {
        if (err) {
          this.opening = false;
          this.pool.closed(this);
          return this.failed(err);
        }
        this.pool.opened(this);
        if (!this.openedBefore) return this.didOpen(fd);
        // A reopen: if the file was removed or truncated meanwhile, it needs its header again.
        fstat(fd, (serr, st) => {
          if (!serr && st.size === 0) this.prependHeader();
          this.didOpen(fd);
        });
      });
      return;
    }
    this.writing = true;
    const iov = this.queue.length <= IOV_MAX ? this.queue.slice() : this.queue.slice(0, IOV_MAX);
    writev(this.fd, iov, (err, n) => {
      this.writing = false;
      if (err) return this.failed(err);
      this.consume(n);
      if (this.lastErrorCode !== undefined) {
        this.lastErrorCode = undefined;
        this.events.onRecovered(this);
      }
      this.events.onWritten(this, n, this.completed());
      if (this.queue.length === 0) {
        this.maybeFinishClose();
        if (!this.closed) this.pool.idle(this);
      } else this.kick();
    });
  }

  private didOpen(fd: number): void {
    this.opening = false;
    this.openedBefore = true;
    this.fd = fd;
    if (this.closed) return this.closeFd();
    this.kick();
  }

  private prependHeader(): void {
    const h = this.header();
    if (h === "") return;
    const b = Buffer.from(h);
    this.queue.unshift(b);
    this.queued += b.length;
    this.pool.queuedBytes += b.length;
    // The header is not part of the appended records: its bytes do not advance the marks.
    this.written -= b.length;
  }

  /** Drops the first n queued bytes (a short write leaves the rest of a chunk queued). */
  private consume(n: number): void {
    this.queued -= n;
    this.pool.queuedBytes -= n;
    this.written += n;
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

  /** Records whose last byte is now on disk. */
  private completed(): number {
    const m = this.marks;
    let records = 0;
    let i = 0;
    while (i < m.length && m[i]! <= this.written) {
      records += m[i + 1]!;
      i += 2;
    }
    if (i > 0) m.splice(0, i);
    return records;
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

  /** Closes the descriptor to give its slot to another file (the pool chose this idle file). */
  evict(): void {
    if (this.fd < 0 || !this.idle) return;
    const fd = this.fd;
    this.fd = -1;
    fsClose(fd, () => {
      this.pool.closed(this);
      // Written to while closing: open again (after the slot went back).
      if (this.queue.length > 0) this.kick();
    });
  }

  /**
   * Writes what is queued, then closes. Resolves with what could not be written (nothing once
   * everything is on disk) when done or after `deadlineMs` of failing writes.
   */
  close(deadlineMs = 5000): Promise<LostOutput> {
    this.closing = true;
    this.retryTimer?.ref();
    return new Promise<LostOutput>((resolve) => {
      let settled = false;
      const check = (): void => {
        if (settled) return;
        // Only a failing disk runs into the deadline; a slow but working one (or a wait for a
        // descriptor) is waited for.
        if (this.lastErrorCode === undefined) {
          timer = setTimeout(check, deadlineMs);
          return;
        }
        settled = true;
        // Give up: the disk keeps failing. Report what is lost instead of hanging forever.
        if (this.retryTimer !== null) clearTimeout(this.retryTimer);
        this.retryTimer = null;
        const lost = { bytes: this.queued, records: 0 };
        for (let i = 1; i < this.marks.length; i += 2) lost.records += this.marks[i]!;
        this.marks.length = 0;
        this.queue.length = 0;
        this.pool.queuedBytes -= this.queued;
        this.queued = 0;
        this.closeFd();
        resolve(lost);
      };
      let timer = setTimeout(check, deadlineMs);
      this.closeWaiters.push(() => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ bytes: 0, records: 0 });
      });
      this.kick();
      this.maybeFinishClose();
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
    if (this.waitingSlot) {
      this.waitingSlot = false;
      this.pool.forget(this);
    }
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      fsClose(fd, () => this.pool.closed(this));
    }
  }
}
