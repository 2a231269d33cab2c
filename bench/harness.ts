// Helpers shared by the benchmarks: statistics, child processes that print result lines, and the
// native (libzmq C) reference programs.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Operations per second for `n` operations since `t0` (process.hrtime.bigint()). */
export function rate(n: number, t0: bigint): number {
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export function report(rows: [string, number][]): void {
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${Number.isInteger(v) ? v : Math.round(v).toLocaleString("en-US")}`);
}

export interface Child {
  readonly pid: number;
  line(prefix: string): Promise<string>;
  exited: Promise<number | null>;
  kill(): void;
}

export function start(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Child {
  const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"], ...(env ? { env: { ...process.env, ...env } } : {}) });
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (v: string) => void }[] = [];
  createInterface({ input: proc.stdout }).on("line", (l) => {
    const w = waiters.findIndex((x) => l.startsWith(x.prefix));
    if (w >= 0) waiters.splice(w, 1)[0]!.resolve(l);
    else lines.push(l);
  });
  // "close": after the last stdout line was read, so line() never misses output of a process that exited.
  const exited = new Promise<number | null>((r) => proc.on("close", (code) => r(code)));
  return {
    pid: proc.pid!,
    line(prefix) {
      const i = lines.findIndex((l) => l.startsWith(prefix));
      if (i >= 0) return Promise.resolve(lines.splice(i, 1)[0]!.slice(prefix.length).trim());
      return Promise.race([
        new Promise<string>((r) => waiters.push({ prefix, resolve: (l) => r(l.slice(prefix.length).trim()) })),
        exited.then((code) => Promise.reject(new Error(`${cmd} ${args.join(" ")} exited (${code}) before printing "${prefix}"`))),
      ]);
    },
    exited,
    kill: () => void proc.kill("SIGKILL"),
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Builds the C programs against libzmq3-dev, installing it first if needed (the bench runs as root). */
export function buildNative(out = join(tmpdir(), "zeek-zmq-bench-native")): string {
  if (!existsSync("/usr/include/zmq.h")) {
    console.log("installing libzmq3-dev ...");
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", "libzmq3-dev"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  }
  mkdirSync(out, { recursive: true });
  for (const name of ["proxy", "pub", "sub", "pingpong"]) {
    execFileSync("cc", ["-O2", "-Wall", "-o", join(out, name), join(ROOT, "bench/native", `${name}.c`), "-lzmq"], { stdio: "inherit" });
  }
  return out;
}
