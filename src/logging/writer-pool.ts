// The logger's writer threads (log_writer_threads): decoding and formatting of received batches
// move off the socket thread. Each path is bound to one thread (round-robin as paths appear);
// its batches go there in order, as transferred payload copies, and come back as transferred
// buffers of lines. The main thread keeps everything else (files, limits, metrics, rotation):
// the pool only formats. Payload bytes in flight are bounded (the logger reports congestion
// past the bound, so the PULL socket stops being read and the senders' HWMs push back).
import { Worker } from "node:worker_threads";
import type { LogField } from "../codec/zeek-log/index.js";
import type { LogFormatOptions } from "./format/registry.js";

/** What a thread needs to format a path's batches (sent with the path's first job). */
export interface FormatSchema {
  format: string;
  path: string;
  fields: LogField[];
  options: LogFormatOptions;
}

export interface FormatJob {
  id: number;
  /** The path's writer, numbered by the pool's user. */
  writer: number;
  schema?: FormatSchema;
  payload: ArrayBuffer;
  offset: number;
  count: number;
  maxBytes: number;
}

export interface FormatResult {
  id: number;
  /** Records written, or -1 past maxBytes. */
  written: number;
  rejects: number;
  firstReject: string;
  /** The lines (absent when nothing is to be written). */
  lines?: ArrayBuffer;
  /** A malformed batch (the codec's DecodeError, as data). */
  error?: { format: string; code: string; offset: number; message: string };
}

export interface WriterPoolEvents {
  result(r: FormatResult): void;
  /** A thread failed: its jobs in flight will never complete (ids given). */
  failed(err: Error, ids: number[]): void;
}

interface Thread {
  worker: Worker;
  outbox: FormatJob[];
  transfer: ArrayBuffer[];
  inflight: Set<number>;
  dead: boolean;
}

export class WriterPool {
  private readonly threads: Thread[] = [];
  private next = 0;
  private flushQueued = false;
  /** Payload bytes handed to threads and not yet back. */
  inflightBytes = 0;
  private readonly sizes = new Map<number, number>();

  constructor(
    count: number,
    private readonly events: WriterPoolEvents,
  ) {
    for (let i = 0; i < count; i++) this.threads.push(this.spawn());
  }

  private spawn(): Thread {
    const worker = new Worker(new URL("./writer-thread.js", import.meta.url));
    const t: Thread = { worker, outbox: [], transfer: [], inflight: new Set(), dead: false };
    worker.on("message", (results: FormatResult[]) => {
      for (const r of results) {
        t.inflight.delete(r.id);
        if (t.inflight.size === 0) worker.unref();
        this.inflightBytes -= this.sizes.get(r.id) ?? 0;
        this.sizes.delete(r.id);
        this.events.result(r);
      }
    });
    const fail = (err: Error): void => {
      if (t.dead) return;
      t.dead = true;
      const ids = [...t.inflight, ...t.outbox.map((j) => j.id)];
      t.inflight.clear();
      t.outbox.length = 0;
      for (const id of ids) {
        this.inflightBytes -= this.sizes.get(id) ?? 0;
        this.sizes.delete(id);
      }
      this.events.failed(err, ids);
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`writer thread exited with code ${code}`)));
    // Idle threads must not keep the process alive; jobs in flight are awaited by the logger.
    worker.unref();
    return t;
  }

  /** The thread for a new path (round-robin); -1 if every thread failed. */
  assign(): number {
    for (let k = 0; k < this.threads.length; k++) {
      const i = (this.next + k) % this.threads.length;
      if (!this.threads[i]!.dead) {
        this.next = i + 1;
        return i;
      }
    }
    return -1;
  }

  /** True if thread `i` can take jobs. */
  alive(i: number): boolean {
    return this.threads[i]?.dead === false;
  }

  /** Queues a job on thread `i`; jobs of one turn go in one message. The payload is copied. */
  submit(i: number, job: Omit<FormatJob, "payload">, payload: Uint8Array): void {
    const t = this.threads[i]!;
    const copy = new ArrayBuffer(payload.length);
    new Uint8Array(copy).set(payload);
    t.outbox.push({ ...job, payload: copy });
    t.transfer.push(copy);
    // A thread with work keeps the process alive (the logger awaits it at shutdown).
    if (t.inflight.size === 0) t.worker.ref();
    t.inflight.add(job.id);
    this.sizes.set(job.id, payload.length);
    this.inflightBytes += payload.length;
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    for (const t of this.threads) {
      if (t.outbox.length === 0 || t.dead) continue;
      t.worker.postMessage(t.outbox, t.transfer);
      t.outbox = [];
      t.transfer = [];
    }
  };

  /** Stops the threads (after the logger has collected every result). */
  async close(): Promise<void> {
    for (const t of this.threads) t.dead = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
