// A logger's log directory, when it is on this machine: its current files (size, growth),
// rotations (Zeek's `<path>.<YYYY-MM-DD-HH-MM-SS>.log` names appearing) and the cluster.log
// lines as they are written. Read-only, bounded per scan (entries looked at, bytes read, line
// length), so a huge archive directory or a runaway log cannot stall the console.
import { open, opendir, stat } from "node:fs/promises";
import { join } from "node:path";

export interface LogFileInfo {
  name: string;
  bytes: number;
  /** Bytes per second since the previous scan. */
  rate: number;
  mtimeMs: number;
}

export interface ClusterLogLine {
  ts: number;
  node: string;
  message: string;
}

export interface LogDirScan {
  dir: string;
  files: LogFileInfo[];
  rotatedCount: number;
  lastRotated: string | undefined;
  /** Files that appeared as rotated since the previous scan. */
  newlyRotated: string[];
  clusterLog: ClusterLogLine[];
  error: string | undefined;
  /** Entries not looked at (beyond maxEntries) or lines skipped (too long, beyond the read limit). */
  truncated: number;
}

export interface LogDirLimits {
  /** Directory entries looked at per scan. @default 2000 */
  maxEntries?: number;
  /** Current files reported. @default 100 */
  maxFiles?: number;
  /** Bytes of cluster.log read per scan (the rest waits for the next). @default 256 KiB */
  maxReadBytes?: number;
  /** Longer cluster.log lines are cut. @default 2000 */
  maxLineLength?: number;
}

const ROTATED = /^(.+)\.(\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)(?:-\d+)?\.(log|json)$/;
const CURRENT = /\.(log|json)$/;

export class LogDirWatcher {
  private sizes = new Map<string, number>();
  private rotated = new Set<string>();
  private first = true;
  private lastScan = 0;
  /** cluster.log: where we are, in which file (inode), and the TSV field order. */
  private clog = { ino: -1, offset: 0, fields: [] as string[], partial: "" };
  private readonly l: Required<LogDirLimits>;

  constructor(
    readonly dir: string,
    limits: LogDirLimits = {},
  ) {
    this.l = { maxEntries: 2000, maxFiles: 100, maxReadBytes: 256 * 1024, maxLineLength: 2000, ...limits };
  }

  async scan(now = Date.now()): Promise<LogDirScan> {
    const out: LogDirScan = { dir: this.dir, files: [], rotatedCount: 0, lastRotated: undefined, newlyRotated: [], clusterLog: [], error: undefined, truncated: 0 };
    const dt = this.lastScan === 0 ? 0 : (now - this.lastScan) / 1000;
    this.lastScan = now;
    const sizes = new Map<string, number>();
    const rotated = new Set<string>();
    try {
      const d = await opendir(this.dir);
      let n = 0;
      for await (const e of d) {
        if (++n > this.l.maxEntries) {
          out.truncated++;
          continue;
        }
        if (!e.isFile()) continue;
        if (ROTATED.test(e.name)) {
          rotated.add(e.name);
          if (!this.first && !this.rotated.has(e.name)) out.newlyRotated.push(e.name);
          if (out.lastRotated === undefined || e.name.slice(e.name.indexOf(".")) > out.lastRotated.slice(out.lastRotated.indexOf("."))) out.lastRotated = e.name;
        } else if (CURRENT.test(e.name) && out.files.length < this.l.maxFiles) {
          try {
            const st = await stat(join(this.dir, e.name));
            const before = this.sizes.get(e.name);
            sizes.set(e.name, st.size);
            const rate = dt > 0 && before !== undefined && st.size >= before ? (st.size - before) / dt : 0;
            out.files.push({ name: e.name, bytes: st.size, rate, mtimeMs: st.mtimeMs });
          } catch {
            // Rotated away between readdir and stat: it shows up under its new name next time.
          }
        }
      }
    } catch (e) {
      out.error = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such directory (yet)" : (e as Error).message;
    }
    out.files.sort((a, b) => (a.name < b.name ? -1 : 1));
    out.rotatedCount = rotated.size;
    this.sizes = sizes;
    this.rotated = rotated;
    this.first = false;
    out.clusterLog = await this.readClusterLog(out);
    return out;
  }

  private async readClusterLog(out: LogDirScan): Promise<ClusterLogLine[]> {
    const file = join(this.dir, "cluster.log");
    let fh;
    try {
      fh = await open(file, "r");
    } catch {
      return [];
    }
    try {
      const st = await fh.stat();
      const c = this.clog;
      if (st.ino !== c.ino || st.size < c.offset) {
        // A new file (first look, or rotated): begin with its last lines, not all of it.
        const firstLook = c.ino === -1;
        c.ino = st.ino;
        c.partial = "";
        c.fields = [];
        c.offset = firstLook ? Math.max(0, st.size - 16 * 1024) : 0;
        if (c.offset > 0) await this.readHeader(fh);
      }
      if (st.size <= c.offset) return [];
      const len = Math.min(st.size - c.offset, this.l.maxReadBytes);
      const buf = Buffer.alloc(len);
      const { bytesRead } = await fh.read(buf, 0, len, c.offset);
      c.offset += bytesRead;
      const text = c.partial + buf.toString("utf8", 0, bytesRead);
      const lines = text.split("\n");
      c.partial = lines.pop() ?? "";
      if (c.partial.length > this.l.maxLineLength) {
        c.partial = "";
        out.truncated++;
      }
      const result: ClusterLogLine[] = [];
      for (const raw of lines) {
        const line = raw.length > this.l.maxLineLength ? raw.slice(0, this.l.maxLineLength) : raw;
        const parsed = this.parseLine(line);
        if (parsed) result.push(parsed);
      }
      return result;
    } finally {
      await fh.close();
    }
  }

  /** The TSV header (#fields) of a file we start reading in the middle. */
  private async readHeader(fh: import("node:fs/promises").FileHandle): Promise<void> {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    for (const line of buf.toString("utf8", 0, bytesRead).split("\n")) if (line.startsWith("#fields\t")) this.clog.fields = line.split("\t").slice(1);
  }

  private parseLine(line: string): ClusterLogLine | undefined {
    if (line === "") return undefined;
    if (line.startsWith("#")) {
      if (line.startsWith("#fields\t")) this.clog.fields = line.split("\t").slice(1);
      return undefined;
    }
    if (line.startsWith("{")) {
      try {
        const j = JSON.parse(line) as Record<string, unknown>;
        return { ts: Number(j["ts"]) || 0, node: String(j["node"] ?? ""), message: String(j["message"] ?? "") };
      } catch {
        return undefined;
      }
    }
    const cols = line.split("\t");
    const f = this.clog.fields.length > 0 ? this.clog.fields : ["ts", "node", "message"];
    const at = (k: string) => cols[f.indexOf(k)] ?? "";
    return { ts: Number(at("ts")) || 0, node: at("node"), message: at("message") };
  }
}
