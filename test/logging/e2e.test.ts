// Remote logging end to end with real processes: push nodes -> `zeek-zmq logger` -> files.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { LOGS_DIR } from "../zeek-log/fixtures.js";
import type { Proc } from "../harness/proc.js";
import { startLogger, startPushNode, waitMetric, type LoggerProc } from "./procs.js";

const tmp = mkdtempSync(join(tmpdir(), "zeek-zmq-e2e-"));
const procs: Proc[] = [];
after(() => {
  for (const p of procs) p.kill();
  rmSync(tmp, { recursive: true, force: true });
});
let seq = 0;
const newDir = (): string => join(tmp, `d${seq++}`);
const track = <T extends Proc>(p: T): T => (procs.push(p), p);
const META_TIME = /^(#(?:open|close)\t)\d{4}(-\d\d){5}$/gm;

const WRITTEN = "zeek_logger_written_records_total";

/** Data lines of a TSV file, split into columns by #fields. */
function rows(file: string): Record<string, string>[] {
  const text = readFileSync(file, "utf8");
  let names: string[] = [];
  const out: Record<string, string>[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#fields\t")) names = line.split("\t").slice(1);
    if (line === "" || line.startsWith("#")) continue;
    const cols = line.split("\t");
    out.push(Object.fromEntries(names.map((n, i) => [n, cols[i]!])));
  }
  return out;
}

async function push(node: Proc, n: number): Promise<void> {
  await node.ask(`write ${n}`, /^wrote /);
}

async function closeNode(node: Proc): Promise<void> {
  await node.ask("close", /^closed$/);
  assert.equal((await node.exit()).code, 0, node.stderr);
}

async function stopLogger(l: LoggerProc): Promise<void> {
  assert.equal((await l.stop()).code, 0, l.stderr);
}

describe("remote logging end to end (real processes)", () => {
  it("a real Zeek worker's log writes, replayed to zeek-zmq loggers, give the files Zeek's own logger wrote (TSV and JSON)", async () => {
    for (const format of ["tsv", "json"] as const) {
      const dir = newDir();
      const logger = track(await startLogger(["--listen", "tcp://127.0.0.1:0", "--dir", dir, "--format", format]));
      const node = track(startPushNode("replayer", [logger.endpoint]));
      await node.ask("replay", /^replayed 58$/);
      await waitMetric(logger.metricsUrl, WRITTEN, 103);
      await closeNode(node);
      await stopLogger(logger);
      const fixtureDir = resolve(LOGS_DIR, `logs-${format}`);
      assert.deepEqual(readdirSync(dir).sort(), readdirSync(fixtureDir).sort());
      for (const f of readdirSync(fixtureDir)) {
        const got = readFileSync(join(dir, f)).toString("latin1").replace(META_TIME, "$1T");
        const want = readFileSync(join(fixtureDir, f)).toString("latin1").replace(META_TIME, "$1T");
        assert.equal(got, want, `${format} ${f}`);
      }
      assert.doesNotMatch(logger.stderr, /cannot|skipped|dropp/);
    }
  });

  it("two nodes push to one logger; every record arrives once, with a #close at shutdown", async () => {
    const dir = newDir();
    const logger = track(await startLogger(["--listen", "tcp://127.0.0.1:0", "--dir", dir]));
    const a = track(startPushNode("worker-1", [logger.endpoint]));
    const b = track(startPushNode("worker-2", [logger.endpoint]));
    await Promise.all([push(a, 3000), push(b, 2000)]);
    await waitMetric(logger.metricsUrl, WRITTEN, 5000, 'path="conn"');
    await Promise.all([closeNode(a), closeNode(b)]);
    await stopLogger(logger);
    const r = rows(join(dir, "conn.log"));
    assert.equal(r.length, 5000);
    for (const [node, n] of [["worker-1", 3000], ["worker-2", 2000]] as const) {
      const seqs = r.filter((x) => x["node"] === node).map((x) => Number(x["seq"])).sort((x, y) => x - y);
      assert.deepEqual(seqs, Array.from({ length: n }, (_, i) => i), node);
    }
    assert.equal(r[0]!["id.orig_p"], "1024");
    assert.match(readFileSync(join(dir, "conn.log"), "utf8"), /\n#close\t\d{4}(-\d\d){5}\n$/);
  });

  it("one node pushes to two loggers: batches are load-balanced and none is lost", async () => {
    const [d1, d2] = [newDir(), newDir()];
    const l1 = track(await startLogger(["--listen", "tcp://127.0.0.1:0", "--dir", d1]));
    const l2 = track(await startLogger(["--listen", "tcp://127.0.0.1:0", "--dir", d2, "--format", "json"]));
    const node = track(startPushNode("worker-1", [l1.endpoint, l2.endpoint]));
    for (let i = 0; i < 10; i++) await push(node, 100); // 10 batches of 100
    await waitMetric(l1.metricsUrl, WRITTEN, 500);
    await waitMetric(l2.metricsUrl, WRITTEN, 500);
    await closeNode(node);
    await Promise.all([stopLogger(l1), stopLogger(l2)]);
    const tsv = rows(join(d1, "conn.log")).map((x) => Number(x["seq"]));
    const json = readFileSync(join(d2, "conn.log"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { seq: number }).seq);
    assert.equal(tsv.length, 500);
    assert.equal(json.length, 500);
    assert.deepEqual([...tsv, ...json].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  });

  it("logger restart: records written while it is down wait in the node's PUSH queue and arrive after the restart", async () => {
    const dir = newDir();
    const l1 = track(await startLogger(["--listen", "tcp://127.0.0.1:0", "--dir", dir]));
    const node = track(startPushNode("worker-1", [l1.endpoint]));
    await push(node, 500);
    await waitMetric(l1.metricsUrl, WRITTEN, 500);
    await stopLogger(l1);
    await push(node, 700); // 7 batches, well within log_sndhwm: queued for the dead endpoint
    const l2 = track(await startLogger(["--listen", l1.endpoint, "--dir", dir]));
    await waitMetric(l2.metricsUrl, WRITTEN, 700);
    await closeNode(node);
    await stopLogger(l2);
    const r = rows(join(dir, "conn.log"));
    assert.deepEqual(r.map((x) => Number(x["seq"])).sort((x, y) => x - y), Array.from({ length: 1200 }, (_, i) => i));
    // The restarted logger appended a second header block instead of truncating the file.
    assert.equal(readFileSync(join(dir, "conn.log"), "utf8").match(/^#open\t/gm)?.length, 2);
  });
});
