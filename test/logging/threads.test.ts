// log_writer_threads: formatting on worker threads must change nothing a user can see: the same
// bytes in the same order per path, nothing lost at shutdown, disk errors reported, limits kept,
// and a bounded queue between the threads (congestion stops the receiver).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { encodeLogBatch, type LogBatch, type RecordLimitError } from "../../src/codec/zeek-log/index.js";
import type { DecodeError } from "../../src/errors.js";
import type { SerializedBatchChecks } from "../../src/logging/consumer.js";
import { LogWriterManager, type LogWriterManagerOptions } from "../../src/logging/manager.js";
import { makeConnLikeBatch } from "../zeek-log/conn-like.js";
import { captureLogBatches, LOGS_DIR } from "../zeek-log/fixtures.js";
import type { Proc } from "../harness/proc.js";
import { startLogger, startPushNode, waitMetric } from "./procs.js";
import { zeekBenchBatches } from "./zeek-bench.js";
import { until } from "../harness/until.js";

const tmp = mkdtempSync(join(tmpdir(), "zeek-zmq-threads-"));
const procs: Proc[] = [];
after(() => {
  for (const p of procs) p.kill();
  rmSync(tmp, { recursive: true, force: true });
});
let seq = 0;
const newDir = (): string => join(tmp, `d${seq++}`);
const META_TIME = /^(#(?:open|close)\t)\d{4}(-\d\d){5}$/gm;
const normalized = (file: string): string => readFileSync(file).toString("latin1").replace(META_TIME, "$1T");

class Checks implements SerializedBatchChecks {
  maxRecords = 100_000;
  malformedSeen: string[] = [];
  overLimitSeen = 0;
  malformed(err: DecodeError, sender: string): void {
    this.malformedSeen.push(`${sender}: ${err.code}`);
  }

  overLimit(_err: RecordLimitError, _sender: string): void {
    this.overLimitSeen++;
  }
}

/** Batches of `n` conn-like records for `path` whose uid column carries "path:index" (order check). */
function numbered(path: string, first: number, n: number): LogBatch {
  const b = makeConnLikeBatch(n);
  const records = b.records.map((r, i) => {
    const c = [...r];
    c[1] = Buffer.from(`${path}-${first + i}`);
    return c;
  });
  return { ...b, path, records };
}

async function run(opts: Partial<LogWriterManagerOptions>, feed: (m: LogWriterManager, checks: Checks) => void): Promise<{ dir: string; m: LogWriterManager; checks: Checks; lines: string[] }> {
  const dir = newDir();
  const lines: string[] = [];
  const m = new LogWriterManager({ dir, report: (l) => lines.push(l), ...opts });
  const checks = new Checks();
  feed(m, checks);
  await m.shutdown();
  return { dir, m, checks, lines };
}

describe("log_writer_threads", () => {
  it("the real Zeek capture and its fixtures: the same files with 2 threads as Zeek's logger wrote (TSV and JSON)", async () => {
    for (const format of ["tsv", "json"]) {
      const { dir, lines } = await run({ writerThreads: 2, format }, (m, checks) => {
        for (const raw of captureLogBatches()) m.writeSerialized(raw, { sender: "worker-1", payloadBytes: raw.length }, checks);
      });
      const fixtureDir = resolve(LOGS_DIR, `logs-${format}`);
      assert.deepEqual(readdirSync(dir).sort(), readdirSync(fixtureDir).sort());
      for (const f of readdirSync(fixtureDir)) assert.equal(normalized(join(dir, f)), normalized(join(fixtureDir, f)), `${format} ${f}`);
      assert.deepEqual(lines, []);
    }
  });

  it("keeps each path's record order across threads, behind batches still on a thread, and writes everything before #close", async () => {
    const feed = (m: LogWriterManager, checks: Checks): void => {
      const next: Record<string, number> = {};
      for (let i = 0; i < 120; i++) {
        const path = ["conn", "dns", "http"][i % 3]!;
        const n = 1 + ((i * 37) % 200);
        const first = next[path] ?? 0;
        next[path] = first + n;
        const b = numbered(path, first, n);
        // Every 10th batch comes from the node itself (decoded, formatted on the main thread).
        if (i % 10 === 9) m.write(b);
        else {
          const raw = encodeLogBatch(b);
          m.writeSerialized(raw, { sender: "w", payloadBytes: raw.length }, checks);
        }
      }
    };
    const threaded = await run({ writerThreads: 2 }, feed);
    const single = await run({ writerThreads: 0 }, feed);
    for (const path of ["conn", "dns", "http"]) {
      const got = normalized(join(threaded.dir, `${path}.log`));
      assert.equal(got, normalized(join(single.dir, `${path}.log`)), path);
      const uids = got.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map((l) => l.split("\t")[1]);
      assert.deepEqual(uids, uids.map((_, i) => `${path}-${i}`));
      assert.match(got, /\n#close\tT\n$/);
    }
    assert.equal(threaded.m.totals.written, single.m.totals.written);
  });

  it("malformed batches and the amplification limit are refused and counted as without threads", async () => {
    const good = encodeLogBatch(numbered("conn", 0, 50));
    const truncated = good.subarray(0, good.length - 3);
    const trailing = Buffer.concat([good, Buffer.of(1)]);
    const feed = (m: LogWriterManager, checks: Checks): void => {
      for (const [raw, bytes] of [[good, good.length], [truncated, truncated.length], [trailing, trailing.length], [good, 100], [good, good.length]] as const)
        m.writeSerialized(raw, { sender: "w", payloadBytes: bytes }, checks);
    };
    const a = await run({ writerThreads: 1, maxWriteAmplification: 1 }, feed);
    const b = await run({ writerThreads: 0, maxWriteAmplification: 1 }, feed);
    assert.deepEqual(a.checks.malformedSeen, ["w: truncated", "w: trailing"]);
    assert.deepEqual(a.checks.malformedSeen, b.checks.malformedSeen);
    assert.deepEqual(a.m.totals, b.m.totals);
    assert.equal(a.m.totals.written, 100);
    assert.equal(a.m.totals.dropped, 50);
    assert.equal(normalized(join(a.dir, "conn.log")), normalized(join(b.dir, "conn.log")));
    assert.ok(a.lines.some((l) => l.includes("log_max_write_amplification")));
  });

  it("the queue between the threads is bounded: past it the logger is congested until the thread catches up", async () => {
    const dir = newDir();
    const m = new LogWriterManager({ dir, writerThreads: 1, maxThreadQueueBytes: 200_000 });
    const checks = new Checks();
    const raw = zeekBenchBatches().find((b) => b.length > 100_000)!;
    assert.equal(m.congested, false);
    m.writeSerialized(raw, { sender: "w", payloadBytes: raw.length }, checks);
    assert.equal(m.congested, true);
    await new Promise<void>((r) => m.whenUncongested(r));
    assert.equal(m.congested, false);
    await m.shutdown();
    assert.equal(m.totals.written, 1000);
  });

  it("a disk error on a threaded path is reported, retried, and counted as a failure (the logger exits 1)", async () => {
    const dir = newDir();
    mkdirSync(dir);
    const lines: string[] = [];
    const m = new LogWriterManager({ dir, report: (l) => lines.push(l), retryMs: 20, writerThreads: 1 });
    const blocker = join(dir, "conn.log");
    mkdirSync(blocker);
    writeFileSync(join(blocker, "x"), "");
    const checks = new Checks();
    const raw = encodeLogBatch(numbered("conn", 0, 20));
    m.writeSerialized(raw, { sender: "w", payloadBytes: raw.length }, checks);
    await until("a \"cannot write\" report", () => lines, (ls) => ls.some((l) => l.includes("cannot write")));
    rmSync(blocker, { recursive: true });
    const report = await m.shutdown();
    assert.equal(report.lostBytes, 0);
    assert.ok(report.failures > 0);
    assert.equal(readFileSync(blocker, "latin1").split("\n").filter((l) => l !== "" && !l.startsWith("#")).length, 20);
  });

  it("zeek-zmq logger --log-writer-threads 2: two senders, SIGTERM right after they finish, every record written once with #close", async () => {
    const dir = newDir();
    const logger = await startLogger(["--listen", "tcp://127.0.0.1:0", "--dir", dir, "--log-writer-threads", "2"]);
    procs.push(logger);
    const a = startPushNode("worker-1", [logger.endpoint]);
    const b = startPushNode("worker-2", [logger.endpoint]);
    procs.push(a, b);
    await Promise.all([a.ask("write 3000", /^wrote /), b.ask("write 2000", /^wrote /)]);
    await waitMetric(logger.metricsUrl, "zeek_logger_received_records_total", 1);
    await Promise.all([a.ask("close", /^closed$/), b.ask("close", /^closed$/)]);
    assert.equal((await logger.stop()).code, 0, logger.stderr);
    const text = readFileSync(join(dir, "conn.log"), "utf8");
    let names: string[] = [];
    const rows: Record<string, string>[] = [];
    for (const line of text.split("\n")) {
      if (line.startsWith("#fields\t")) names = line.split("\t").slice(1);
      if (line === "" || line.startsWith("#")) continue;
      const cols = line.split("\t");
      rows.push(Object.fromEntries(names.map((n, i) => [n, cols[i]!])));
    }
    assert.equal(rows.length, 5000);
    for (const [node, n] of [["worker-1", 3000], ["worker-2", 2000]] as const) {
      const seqs = rows.filter((x) => x["node"] === node).map((x) => Number(x["seq"]));
      assert.deepEqual(seqs, Array.from({ length: n }, (_, i) => i), node);
    }
    assert.match(text, /\n#close\t\d{4}(-\d\d){5}\n$/);
  });
});
