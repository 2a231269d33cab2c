// `npm run bench -- logs [paths|zeek|loggers|nats]`: remote logging end to end. Two writer processes PUSH 1000-record
// batches of a 20-column conn-like log to one `zeek-zmq logger` process, which writes TSV to
// disk. Measured by the logger itself (its --stats line): records/s from its first received
// batch to its last disk write, and its CPU time over that window. The codec-only decode rate
// of the same batch is the ceiling.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { decodeLogBatch, encodeLogBatch } from "../src/codec/zeek-log/index.js";
import { LogSender } from "../src/logging/sender.js";
import { makeConnLikeBatch } from "../test/zeek-log/conn-like.js";
import { zeekBenchBatches } from "../test/logging/zeek-bench.js";
import { median, rate, report } from "./harness.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = join(ROOT, "dist/src/cli/main.js");
const RUN = join(ROOT, "dist/bench/run.js");
const BATCH = 1000;
const PER_WRITER = 1_000_000;
const ROUNDS = 3;

/** Many-paths case: records per batch, records per run. */
const PATHS_BATCH = 100;
const PATHS_RECORDS = 600_000;

/**
 * Writer process: sends `records` records in `batch`-record batches, round-robin over `paths`
 * paths (conn, or p0..pN-1), waiting on "drain" at the HWM.
 */
async function writer(endpoint: string, records: number, paths = 1, batch = BATCH): Promise<void> {
  const base = makeConnLikeBatch(batch);
  const payloads = Array.from({ length: paths }, (_, i) => encodeLogBatch(paths === 1 ? base : { ...base, path: `p${i}` }));
  const sender = new LogSender({ nodeId: `bench-writer-${process.pid}`, endpoints: [endpoint], linger: -1, report: () => {} });
  const push = sender.socket!;
  await new Promise<void>((r) => push.once("handshake", () => r()));
  let sent = 0;
  let i = 0;
  while (sent < records) {
    if (sender.sendPayload(payloads[i]!, batch, "conn")) {
      sent += batch;
      i = (i + 1) % paths;
    } else await new Promise<void>((r) => push.once("drain", () => r()));
  }
  await sender.close();
}

interface Stats {
  written: number;
  seconds: number;
  cpuSeconds: number;
  dropped: number;
}

async function round(opts: { writers: number; perWriter: number; paths: number; batch: number } = { writers: 2, perWriter: PER_WRITER, paths: 1, batch: BATCH }, cli = CLI, extra: string[] = []): Promise<{ rate: number; cpu: number; bytes: number; cpuUs: number }> {
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-bench-logs-"));
  try {
    const logger = spawn(process.execPath, [cli, "logger", "--listen", "tcp://127.0.0.1:0", "--dir", dir, "--stats", "--metrics-port", "0", ...extra], { stdio: ["ignore", "pipe", "inherit"] });
    const lines = createInterface({ input: logger.stdout });
    let metricsUrl = "";
    const endpoint = await new Promise<string>((res) => {
      lines.on("line", (l) => {
        const m = /^listening on (\S+)$/.exec(l);
        if (m) res(m[1]!);
        const u = /^metrics on (\S+)$/.exec(l);
        if (u) metricsUrl = u[1]!;
      });
    });
    const statsLine = new Promise<string>((res) => lines.on("line", (l) => l.startsWith("STATS ") && res(l.slice(6))));
    const writers = Array.from({ length: opts.writers }, () =>
      new Promise<void>((res, rej) => {
        const w = spawn(process.execPath, [RUN, "logs", "--writer", endpoint, String(opts.perWriter), String(opts.paths), String(opts.batch)], { stdio: "inherit" });
        w.on("exit", (code) => (code === 0 ? res() : rej(new Error(`writer exited with ${code}`))));
      }),
    );
    await Promise.all(writers);
    // The writers' linger handed everything to the logger's socket; wait until it formatted all.
    const expect = opts.writers * opts.perWriter;
    const file = join(dir, "conn.log");
    while ((await written(metricsUrl)) < expect) await new Promise((r) => setTimeout(r, 50));
    logger.kill("SIGTERM");
    const s = JSON.parse(await statsLine) as Stats;
    if (s.written !== expect || s.dropped !== 0) throw new Error(`logger wrote ${s.written} of ${expect} records (dropped ${s.dropped})`);
    return { rate: s.written / s.seconds, cpu: s.cpuSeconds / s.seconds, bytes: statSafe(file), cpuUs: (s.cpuSeconds * 1e6) / s.written };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function written(url: string): Promise<number> {
  let sum = 0;
  for (const m of (await (await fetch(url)).text()).matchAll(/^zeek_logger_written_records_total\{[^}]*\} (\d+)$/gm)) sum += Number(m[1]);
  return sum;
}

function statSafe(f: string): number {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}

export async function main(args: string[]): Promise<void> {
  if (args[0] === "--writer") return writer(args[1]!, Number(args[2]), Number(args[3] ?? 1), Number(args[4] ?? BATCH));
  if (args[0] === "--zeek-writer") return zeekWriter(args[1]!, Number(args[2]));
  if (args[0] === "paths") {
    await manyPaths();
    return;
  }
  if (args[0] === "zeek") {
    await zeekReplay();
    return;
  }
  // Several loggers and the NATS JetStream sink live in logs-scale.ts; reachable from here too.
  if (args[0] === "loggers" || args[0] === "nats") {
    await (await import("./logs-scale.js")).main([args[0]]);
    return;
  }

  const payload = encodeLogBatch(makeConnLikeBatch(BATCH));
  const decodeRates: number[] = [];
  let sink: unknown;
  for (let i = 0; i < 50; i++) sink = decodeLogBatch(payload);
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) sink = decodeLogBatch(payload);
    decodeRates.push(rate(200 * BATCH, t0));
  }
  void sink;
  const decode = median(decodeRates);

  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const x = await round();
    console.log(`round ${r + 1}: ${Math.round(x.rate).toLocaleString("en-US")} records/s, logger CPU ${(x.cpu * 100).toFixed(0)}%, ${(x.bytes / 1e6).toFixed(0)} MB written`);
    rounds.push(x);
  }
  const e2e = median(rounds.map((x) => x.rate));
  report([
    ["batch payload bytes (1000 records)", payload.length],
    ["codec decode only (records/s)", decode],
    ["end to end, 2 writers -> 1 logger, TSV to disk (records/s)", e2e],
    ["logger CPU (% of one core, median)", Math.round(median(rounds.map((x) => x.cpu)) * 100)],
  ]);
  const mp = await manyPaths(false);
  console.log(`RESULT logs e2e=${Math.round(e2e)} decode=${Math.round(decode)} paths1=${Math.round(mp.one)} paths2000=${Math.round(mp.many)} paths_ratio=${mp.ratio.toFixed(2)}`);
  await zeekReplay();
}

/** logs_zeek: the real Zeek 8.2.2 batches (fixtures/zeek-8.2.2/logs-bench/), looped to this many records. */
const ZEEK_RECORDS = 500_000;

/**
 * Writer process of logs_zeek: replays the capture's 1,000-record zperf_conn batches, byte for
 * byte, round after round until `records` are sent, as fast as the logger's PULL HWM allows.
 */
async function zeekWriter(endpoint: string, records: number): Promise<void> {
  const payloads = zeekBenchBatches().filter((b) => b.length > 100_000);
  const sender = new LogSender({ nodeId: `bench-zeek-writer-${process.pid}`, endpoints: [endpoint], linger: -1, report: () => {} });
  const push = sender.socket!;
  await new Promise<void>((r) => push.once("handshake", () => r()));
  let sent = 0;
  let i = 0;
  while (sent < records) {
    if (sender.sendPayload(payloads[i]!, 1000, "zperf_conn")) {
      sent += 1000;
      i = (i + 1) % payloads.length;
    } else await new Promise<void>((r) => push.once("drain", () => r()));
  }
  await sender.close();
}

interface ZeekRound {
  rate: number;
  cpuUs: number;
  rssMb: number;
  bytes: number;
}

/** One logs_zeek round: a `zeek-zmq logger` (CLI = `cli`) fed by one replaying writer process. */
async function zeekRound(format: string, cli = CLI, extra: string[] = []): Promise<ZeekRound> {
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-bench-zeek-"));
  try {
    const logger = spawn(process.execPath, [cli, "logger", "--listen", "tcp://127.0.0.1:0", "--dir", dir, "--format", format, "--stats", "--metrics-port", "0", ...extra], { stdio: ["ignore", "pipe", "inherit"] });
    const lines = createInterface({ input: logger.stdout });
    let metricsUrl = "";
    const endpoint = await new Promise<string>((res) => {
      lines.on("line", (l) => {
        const m = /^listening on (\S+)$/.exec(l);
        if (m) res(m[1]!);
        const u = /^metrics on (\S+)$/.exec(l);
        if (u) metricsUrl = u[1]!;
      });
    });
    const statsLine = new Promise<string>((res) => lines.on("line", (l) => l.startsWith("STATS ") && res(l.slice(6))));
    await new Promise<void>((res, rej) => {
      const w = spawn(process.execPath, [RUN, "logs", "--zeek-writer", endpoint, String(ZEEK_RECORDS)], { stdio: "inherit" });
      w.on("exit", (code) => (code === 0 ? res() : rej(new Error(`zeek writer exited with ${code}`))));
    });
    while ((await written(metricsUrl)) < ZEEK_RECORDS) await new Promise((r) => setTimeout(r, 50));
    const rssMb = vmHwmMb(logger.pid!);
    logger.kill("SIGTERM");
    const s = JSON.parse(await statsLine) as Stats;
    if (s.written !== ZEEK_RECORDS || s.dropped !== 0) throw new Error(`logger wrote ${s.written} of ${ZEEK_RECORDS} records (dropped ${s.dropped})`);
    return { rate: s.written / s.seconds, cpuUs: (s.cpuSeconds * 1e6) / s.written, rssMb, bytes: statSafe(join(dir, "zperf_conn.log")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Peak resident set (VmHWM) of a process, in MB. */
function vmHwmMb(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * Issue 17's case: real Zeek batches into a logger process, TSV and JSON, ROUNDS rounds each
 * (alternated). With LOGS_BENCH_BASELINE_CLI=<other checkout>/dist/src/cli/main.js the same rounds
 * run against that logger too, interleaved, for before/after ratios measured in one run.
 * LOGS_BENCH_LOGGER_ARGS adds flags to this tree's logger (e.g. "--log-writer-threads 1").
 */
async function zeekReplay(): Promise<void> {
  const baseline = process.env["LOGS_BENCH_BASELINE_CLI"];
  const extra = (process.env["LOGS_BENCH_LOGGER_ARGS"] ?? "").split(" ").filter((a) => a !== "");
  const rounds = Number(process.env["LOGS_BENCH_ROUNDS"] ?? ROUNDS);
  const res: Record<string, ZeekRound[]> = { tsv: [], json: [], "tsv before": [], "json before": [] };
  for (let r = 0; r < rounds; r++)
    for (const format of ["tsv", "json"]) {
      const runs: [string, string | undefined][] = [[format, undefined]];
      if (baseline) runs.push([`${format} before`, baseline]);
      // Alternate which build goes first: back-to-back logger runs on this VM differ by ~19 % in
      // CPU with their position, whatever the build (BENCHMARKS.md, issue 13).
      if (r % 2 === 1) runs.reverse();
      for (const [name, cli] of runs) {
        const x = await zeekRound(format, cli ?? CLI, cli ? [] : extra);
        console.log(`round ${r + 1}, ${name}: ${Math.round(x.rate).toLocaleString("en-US")} records/s, ${x.cpuUs.toFixed(2)} logger CPU us/record, peak RSS ${x.rssMb.toFixed(0)} MB, ${(x.bytes / 1e6).toFixed(1)} MB written`);
        res[name]!.push(x);
      }
    }
  const med = (name: string, k: keyof ZeekRound): number => median(res[name]!.map((x) => x[k]));
  const rows: [string, number][] = [];
  for (const name of Object.keys(res).filter((n) => res[n]!.length > 0))
    rows.push([`${name}: records/s`, med(name, "rate")], [`${name}: logger CPU (ns/record)`, Math.round(med(name, "cpuUs") * 1000)], [`${name}: peak RSS (MB)`, Math.round(Math.max(...res[name]!.map((x) => x.rssMb)))]);
  if (baseline) for (const f of ["tsv", "json"]) rows.push([`${f}: after/before rate (median)`, Math.round((med(f, "rate") / med(`${f} before`, "rate")) * 100)]);
  report(rows);
  const rss = Math.max(...[...res["tsv"]!, ...res["json"]!].map((x) => x.rssMb));
  const cpu = median([...res["tsv"]!, ...res["json"]!].map((x) => x.cpuUs));
  console.log(`RESULT logs_zeek tsv=${Math.round(med("tsv", "rate"))} json=${Math.round(med("json", "rate"))} rss_mb=${Math.round(rss)} cpu_us=${cpu.toFixed(2)}`);
}

/**
 * Issue 11's many-paths case: the same records (100-record batches, one writer) to 1 path and
 * round-robin to 2,000 open paths; records/s and logger CPU per record for each, alternated.
 */
async function manyPaths(print = true): Promise<{ one: number; many: number; ratio: number }> {
  const one: { rate: number; cpuUs: number }[] = [];
  const many: { rate: number; cpuUs: number }[] = [];
  const baseline = process.env["LOGS_BENCH_BASELINE_CLI"];
  const extra = (process.env["LOGS_BENCH_LOGGER_ARGS"] ?? "").split(" ").filter((a) => a !== "");
  const before: Record<number, number[]> = { 1: [], 2000: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [paths, out] of [[1, one], [2000, many]] as const) {
      const x = await round({ writers: 1, perWriter: PATHS_RECORDS, paths, batch: PATHS_BATCH }, CLI, extra);
      console.log(`round ${r + 1}, ${paths} path(s): ${Math.round(x.rate).toLocaleString("en-US")} records/s, ${x.cpuUs.toFixed(2)} logger CPU us/record`);
      out.push(x);
      if (baseline) {
        const b = await round({ writers: 1, perWriter: PATHS_RECORDS, paths, batch: PATHS_BATCH }, baseline);
        console.log(`round ${r + 1}, ${paths} path(s), before: ${Math.round(b.rate).toLocaleString("en-US")} records/s, ${b.cpuUs.toFixed(2)} logger CPU us/record`);
        before[paths]!.push(b.rate);
      }
    }
  }
  if (baseline) report([["1 path before (records/s)", median(before[1]!)], ["2,000 paths before (records/s)", median(before[2000]!)]]);
  const res = { one: median(one.map((x) => x.rate)), many: median(many.map((x) => x.rate)), ratio: 0 };
  res.ratio = res.many / res.one;
  report([
    ["1 path, 100-record batches (records/s)", res.one],
    ["2,000 paths, 100-record batches (records/s)", res.many],
    ["1 path logger CPU (ns/record, median)", Math.round(median(one.map((x) => x.cpuUs)) * 1000)],
    ["2,000 paths logger CPU (ns/record, median)", Math.round(median(many.map((x) => x.cpuUs)) * 1000)],
  ]);
  if (print) console.log(`RESULT logs_paths paths1=${Math.round(res.one)} paths2000=${Math.round(res.many)} ratio=${res.ratio.toFixed(2)}`);
  return res;
}
