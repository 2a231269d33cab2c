// `npm run bench -- logs-scale [loggers|nats]`: remote logging scaled out.
//   loggers: two writer processes PUSH 1000-record conn-like batches round-robin over 1, 2 and 4
//            `zeek-zmq logger` processes (TSV to disk); combined records/s and the per-logger split.
//   nats:    the same writers into one logger with --sink nats (a real nats-server -js on a free
//            loopback port) and into one logger writing TSV, alternated in the same run.
// Records/s are measured by each logger (its --stats line: first received batch to last disk
// write or JetStream acknowledgement); combined = all records / the longest logger window.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { encodeLogBatch } from "../src/codec/zeek-log/index.js";
import { LogSender } from "../src/logging/sender.js";
import { makeConnLikeBatch } from "../test/zeek-log/conn-like.js";
import { NatsServer, natsServerMissing } from "../test/logging/nats-server.js";
import { median, report } from "./harness.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = join(ROOT, "dist/src/cli/main.js");
const RUN = join(ROOT, "dist/bench/run.js");
const BATCH = 1000;
const WRITERS = 2;
const ROUNDS = 3;

/** Writer process: `records` records in BATCH-record batches to every endpoint (PUSH round-robin). */
async function writer(endpoints: string[], records: number): Promise<void> {
  const payload = encodeLogBatch(makeConnLikeBatch(BATCH));
  const sender = new LogSender({ nodeId: `bench-writer-${process.pid}`, endpoints, linger: -1, report: () => {} });
  const push = sender.socket!;
  let connected = 0;
  await new Promise<void>((r) => push.on("handshake", () => ++connected === endpoints.length && r()));
  for (let sent = 0; sent < records;) {
    if (sender.sendPayload(payload, BATCH, "conn")) sent += BATCH;
    else await new Promise<void>((r) => push.once("drain", () => r()));
  }
  await sender.close();
}

interface Stats {
  written: number;
  seconds: number;
  cpuSeconds: number;
  dropped: number;
}

interface Logger {
  endpoint: string;
  metricsUrl: string;
  stats: Promise<Stats>;
  stop(): void;
}

async function startLogger(args: string[]): Promise<Logger> {
  const p = spawn(process.execPath, [CLI, "logger", "--listen", "tcp://127.0.0.1:0", "--stats", "--metrics-port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: p.stdout });
  let metricsUrl = "";
  const stats = new Promise<Stats>((res, rej) => {
    lines.on("line", (l) => l.startsWith("STATS ") && res(JSON.parse(l.slice(6)) as Stats));
    p.on("exit", (code) => rej(new Error(`logger exited with ${code} before its STATS line: ${stderr.slice(-1000)}`)));
  });
  stats.catch(() => undefined);
  const endpoint = await new Promise<string>((res, rej) => {
    lines.on("line", (l) => {
      const u = /^metrics on (\S+)$/.exec(l);
      if (u) metricsUrl = u[1]!;
      const m = /^listening on (\S+)$/.exec(l);
      if (m) res(m[1]!);
    });
    p.on("exit", (code) => rej(new Error(`logger exited with ${code}: ${stderr.slice(-1000)}`)));
  });
  return { endpoint, metricsUrl, stats, stop: () => void p.kill("SIGTERM") };
}

async function written(url: string, name: string): Promise<number> {
  let sum = 0;
  for (const m of (await (await fetch(url)).text()).matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, "gm"))) sum += Number(m[1]);
  return sum;
}

/** One run: WRITERS writers, `perWriter` records each, into the given loggers. */
async function round(loggerArgs: string[][], perWriter: number, doneMetric = "zeek_logger_written_records_total"): Promise<{ rate: number; split: number[]; cpuUs: number }> {
  const loggers: Logger[] = [];
  try {
    for (const a of loggerArgs) loggers.push(await startLogger(a));
    const endpoints = loggers.map((l) => l.endpoint).join(",");
    await Promise.all(
      Array.from({ length: WRITERS }, () =>
        new Promise<void>((res, rej) => {
          const w = spawn(process.execPath, [RUN, "logs-scale", "--writer", endpoints, String(perWriter)], { stdio: "inherit" });
          w.on("exit", (code) => (code === 0 ? res() : rej(new Error(`writer exited with ${code}`))));
        }),
      ),
    );
    const expect = WRITERS * perWriter;
    for (;;) {
      let sum = 0;
      for (const l of loggers) sum += await written(l.metricsUrl, doneMetric);
      if (sum >= expect) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const l of loggers) l.stop();
    const stats = await Promise.all(loggers.map((l) => l.stats));
    const total = stats.reduce((a, s) => a + s.written, 0);
    if (total !== expect || stats.some((s) => s.dropped !== 0)) throw new Error(`loggers wrote ${total} of ${expect} records`);
    const seconds = Math.max(...stats.map((s) => s.seconds));
    const cpu = stats.reduce((a, s) => a + s.cpuSeconds, 0);
    return { rate: total / seconds, split: stats.map((s) => s.written / total), cpuUs: (cpu * 1e6) / total };
  } finally {
    for (const l of loggers) l.stop();
  }
}

async function severalLoggers(): Promise<Record<number, number>> {
  const perWriter = 600_000;
  const out: Record<number, number> = {};
  const runs: Record<number, { rate: number; split: number[]; cpuUs: number }[]> = { 1: [], 2: [], 4: [] };
  const dirs: string[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++)
      for (const n of [1, 2, 4]) {
        const args = Array.from({ length: n }, () => {
          const d = mkdtempSync(join(tmpdir(), "zeek-zmq-bench-loggers-"));
          dirs.push(d);
          return ["--dir", d];
        });
        const x = await round(args, perWriter);
        console.log(`round ${r + 1}, ${n} logger(s): ${Math.round(x.rate).toLocaleString("en-US")} records/s combined, split ${x.split.map((s) => (s * 100).toFixed(1) + "%").join(" / ")}, ${x.cpuUs.toFixed(2)} logger CPU us/record`);
        runs[n]!.push(x);
        for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
      }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  for (const n of [1, 2, 4]) out[n] = median(runs[n]!.map((x) => x.rate));
  report([
    ["1 logger (records/s)", out[1]!],
    ["2 loggers combined (records/s)", out[2]!],
    ["4 loggers combined (records/s)", out[4]!],
  ]);
  const worst = Math.max(...runs[4]!.flatMap((x) => x.split.map((s) => Math.abs(s - 0.25))));
  console.log(`RESULT logs_loggers l1=${Math.round(out[1]!)} l2=${Math.round(out[2]!)} l4=${Math.round(out[4]!)} l4_split_max_dev=${worst.toFixed(3)}`);
  return out;
}

async function natsVsTsv(): Promise<void> {
  const why = natsServerMissing();
  if (why !== null) {
    console.log(`skipping the JetStream case: ${why}`);
    return;
  }
  const nats = await NatsServer.start();
  const perWriter = 100_000;
  const tsv: { rate: number; cpuUs: number }[] = [];
  const js: { rate: number; cpuUs: number }[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const d = mkdtempSync(join(tmpdir(), "zeek-zmq-bench-tsv-"));
      try {
        const x = await round([["--dir", d]], perWriter);
        tsv.push(x);
        console.log(`round ${r + 1}, TSV files: ${Math.round(x.rate).toLocaleString("en-US")} records/s, ${x.cpuUs.toFixed(2)} logger CPU us/record`);
      } finally {
        rmSync(d, { recursive: true, force: true });
      }
      const y = await round([["--sink", "nats", "--nats-url", nats.url, "--log-nats-stream", `BENCH${r}`, "--log-nats-subject-prefix", `bench${r}`]], perWriter, "zeek_logger_nats_acked_records_total");
      js.push(y);
      console.log(`round ${r + 1}, JetStream: ${Math.round(y.rate).toLocaleString("en-US")} records/s, ${y.cpuUs.toFixed(2)} logger CPU us/record (nats-server CPU not included)`);
    }
  } finally {
    await nats.close();
  }
  const t = median(tsv.map((x) => x.rate));
  const j = median(js.map((x) => x.rate));
  report([
    ["1 logger, TSV files (records/s)", t],
    ["1 logger, NATS JetStream (records/s)", j],
    ["TSV logger CPU (ns/record)", Math.round(median(tsv.map((x) => x.cpuUs)) * 1000)],
    ["JetStream logger CPU (ns/record)", Math.round(median(js.map((x) => x.cpuUs)) * 1000)],
  ]);
  console.log(`RESULT logs_nats jetstream=${Math.round(j)} tsv=${Math.round(t)} ratio=${(j / t).toFixed(3)}`);
}

export async function main(args: string[]): Promise<void> {
  if (args[0] === "--writer") return writer(args[1]!.split(","), Number(args[2]));
  const which = args[0] ?? "all";
  if (which === "loggers" || which === "all") await severalLoggers();
  if (which === "nats" || which === "all") await natsVsTsv();
}
