// The logger's budget of open file descriptors. Every log file takes a slot before it opens and
// gives it back when closed; at the cap, the least recently used idle file is closed to make room
// (it reopens in append mode when written again). So any number of paths can be written with a
// bounded number of descriptors, and the sockets (new senders, /metrics) always find one.
import { readFileSync } from "node:fs";

/** What the pool needs of a file. */
export interface PooledFile {
  /** Open, with nothing queued or in flight: may be closed now. */
  readonly idle: boolean;
  /** Closes the descriptor; calls OpenFiles.closed(this) once it is closed. */
  evict(): void;
  /** A slot became free for a file that waited for one. */
  kick(): void;
}

/**
 * The soft RLIMIT_NOFILE of this process (Node raises it to the hard limit at start-up), from
 * /proc/self/limits; undefined where that cannot be read.
 */
export function softFileLimit(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
    if (soft === undefined) return undefined;
    if (soft === "unlimited") return Number.MAX_SAFE_INTEGER;
    const n = Number(soft);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Default cap: half the soft descriptor limit (the rest is for sockets), at most 4096. */
export const MAX_OPEN_FILES_CEILING = 4096;

/**
 * The open-files cap to use for a requested value (0 = automatic): never more than half the soft
 * descriptor limit, so the logger's files cannot starve its sockets. Returns the cap and, when
 * the request had to be lowered, why.
 */
export function openFilesCap(requested: number, soft = softFileLimit() ?? 1024): { cap: number; lowered?: string } {
  const ceiling = Math.max(1, Math.floor(soft / 2));
  if (requested <= 0) return { cap: Math.min(MAX_OPEN_FILES_CEILING, ceiling) };
  if (requested > ceiling)
    return { cap: ceiling, lowered: `log_max_open_files=${requested} is above half the process's descriptor limit (ulimit -n ${soft}); using ${ceiling}` };
  return { cap: requested };
}

export class OpenFiles {
  /** Slots taken (files open or opening or closing). */
  private used = 0;
  /** Open files, least recently used first (a Map keeps insertion order; touch re-inserts). */
  private readonly lru = new Map<PooledFile, true>();
  private readonly waiting = new Set<PooledFile>();
  /** Bytes queued for the disk over all files. */
  queuedBytes = 0;
  /** Files closed to make room for another (the zeek_logger_file_evictions_total metric). */
  evictions = 0;

  constructor(readonly max: number) {}

  /** Files with a descriptor (or about to have one). */
  get open(): number {
    return this.used;
  }

  /** Takes a slot; false = none free now, `f.kick()` is called when one is. */
  acquire(f: PooledFile): boolean {
    if (this.used < this.max) {
      this.used++;
      this.waiting.delete(f);
      return true;
    }
    if (!this.waiting.has(f)) {
      this.waiting.add(f);
      this.evictOne();
    }
    return false;
  }

  /** `f` is open now (it holds its slot). */
  opened(f: PooledFile): void {
    this.lru.set(f, true);
  }

  /** `f` was written to: it becomes the most recently used. */
  touch(f: PooledFile): void {
    if (this.lru.delete(f)) this.lru.set(f, true);
  }

  /** `f` gave its slot back (closed, evicted or failed to open). */
  closed(f: PooledFile): void {
    this.lru.delete(f);
    this.used--;
    for (const w of this.waiting) {
      this.waiting.delete(w);
      w.kick();
      if (this.used >= this.max) break;
    }
  }

  /** `f` finished its writes: if another file waits for a slot, close this one for it. */
  idle(f: PooledFile): void {
    if (this.waiting.size === 0 || !this.lru.has(f)) return;
    this.lru.delete(f);
    this.evictions++;
    f.evict();
  }

  /** `f` will not wait any longer (closed while waiting). */
  forget(f: PooledFile): void {
    this.waiting.delete(f);
  }

  private evictOne(): void {
    for (const f of this.lru.keys()) {
      if (!f.idle) continue;
      this.lru.delete(f);
      this.evictions++;
      f.evict();
      return;
    }
  }
}
