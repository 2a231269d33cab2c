// CPU time and resident memory of a local process from Linux's /proc, for nodes the console
// supervises itself (`zeek-zmq cluster --web`): it knows their pids, so it needs no metrics
// endpoint for RSS and CPU. Elsewhere (no /proc, another user's process) it answers undefined.
import { readFile } from "node:fs/promises";

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;
const PAGE_SIZE = 4096;

export interface ProcStat {
  cpuSeconds: number;
  rssBytes: number;
}

export async function procStat(pid: number): Promise<ProcStat | undefined> {
  try {
    const [stat, statm] = await Promise.all([readFile(`/proc/${pid}/stat`, "latin1"), readFile(`/proc/${pid}/statm`, "latin1")]);
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    const rssPages = Number(statm.split(" ")[1]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime) || !Number.isFinite(rssPages)) return undefined;
    return { cpuSeconds: (utime + stime) / CLOCK_TICKS, rssBytes: rssPages * PAGE_SIZE };
  } catch {
    return undefined;
  }
}
