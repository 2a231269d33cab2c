// The file sink under hostile or heavy input: an open-file budget with LRU closing (files stay
// valid logs when reopened), peer-chosen names that cannot forge header lines, output per input
// byte bounded, records per batch bounded, and written_records counted only once on disk.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { decodeLogBatch, encodeLogBatch, RecordLimitError, type LogBatch } from "../../src/codec/zeek-log/index.js";
import { LogWriterManager } from "../../src/logging/manager.js";
import { openFilesCap } from "../../src/logging/open-files.js";
import { MetricsRegistry } from "../../src/telemetry/registry.js";
import { makeConnLikeBatch } from "../zeek-log/conn-like.js";
import { until } from "../harness/until.js";

const tmp = mkdtempSync(join(tmpdir(), "zeek-zmq-loglimits-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
let seq = 0;
const newDir = (): string => join(tmp, `d${seq++}`);
const conn = (n = 10, path = "conn"): LogBatch => ({ ...decodeLogBatch(encodeLogBatch(makeConnLikeBatch(n))), path });
const dataLines = (text: string): string[] => text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

async function settle(m: LogWriterManager, expectWritten: number): Promise<void> {
  m.flush();
  await until(`${expectWritten} records written`, () => m.totals.written, (n) => n >= expectWritten, 10_000);
}

describe("open-file budget", () => {
  it("the cap is half the soft descriptor limit at most, and an explicit value above it is lowered", () => {
    assert.deepEqual(openFilesCap(0, 300), { cap: 150 });
    assert.deepEqual(openFilesCap(0, 1_048_576), { cap: 4096 });
    assert.equal(openFilesCap(100, 300).cap, 100);
    const lowered = openFilesCap(1000, 300);
    assert.equal(lowered.cap, 150);
    assert.match(lowered.lowered!, /log_max_open_files=1000 is above half .*ulimit -n 300.*using 150/);
  });

  it("60 paths through 4 descriptors: LRU closing and append reopening keep one header per file and every record", async () => {
    const dir = newDir();
    const registry = new MetricsRegistry();
    const m = new LogWriterManager({ dir, registry, maxOpenFiles: 4 });
    assert.equal(m.maxOpenFiles, 4);
    let peak = 0;
    for (let round = 0; round < 3; round++) {
      for (let p = 0; p < 60; p++) {
        m.write(conn(5, `p${p}`));
        m.flush();
        peak = Math.max(peak, m.openFileCount);
        if (p % 7 === 0) await turn();
      }
      await settle(m, (round + 1) * 60 * 5);
      peak = Math.max(peak, m.openFileCount);
    }
    assert.ok(peak <= 4, `at most 4 files open at once (saw ${peak})`);
    assert.equal(await m.close(), 0);
    assert.equal(readdirSync(dir).length, 60);
    for (let p = 0; p < 60; p++) {
      const text = readFileSync(join(dir, `p${p}.log`), "latin1");
      assert.equal(text.match(/^#fields/gm)?.length, 1, `p${p}.log has one header`);
      assert.equal(text.match(/^#close/gm)?.length, 1);
      assert.equal(dataLines(text).length, 15);
    }
    assert.match(registry.render(), /zeek_logger_file_evictions_total \d{2,}/);
  });

  it("a file removed while closed by the LRU gets its header again when reopened", async () => {
    const dir = newDir();
    const m = new LogWriterManager({ dir, maxOpenFiles: 1 });
    m.write(conn(3, "a"));
    await settle(m, 3);
    m.write(conn(3, "b")); // takes a's descriptor
    await settle(m, 6);
    unlinkSync(join(dir, "a.log"));
    m.write(conn(3, "a"));
    await settle(m, 9);
    await m.close();
    const text = readFileSync(join(dir, "a.log"), "latin1");
    assert.match(text, /^#separator \\x09\n/);
    assert.equal(dataLines(text).length, 3);
  });
});

describe("peer-chosen names", () => {
  it("field names with a tab, newline or control byte cannot add columns or forge meta lines", async () => {
    const dir = newDir();
    const b = conn(2);
    b.fields = b.fields.map((f, i) => (i === 1 ? { ...f, name: "uid\n#close\t2020-01-01-00-00-00\n#fields\tx" } : i === 2 ? { ...f, name: "a\tb\x1bc\\" } : f));
    const m = new LogWriterManager({ dir });
    m.write(b);
    await m.close();
    const lines = readFileSync(join(dir, "conn.log"), "latin1").split("\n");
    assert.equal(lines.filter((l) => l.startsWith("#fields")).length, 1);
    assert.equal(lines.filter((l) => l.startsWith("#close")).length, 1);
    const fields = lines.find((l) => l.startsWith("#fields"))!.split("\t");
    assert.equal(fields.length, 1 + 20, "one name per column");
    assert.equal(fields[2], "uid\\x0a#close\\x092020-01-01-00-00-00\\x0a#fields\\x09x");
    assert.equal(fields[3], "a\\x09b\\x1bc\\\\");
  });

  it("paths that are not plain file names are refused, without a file and with a bounded number of warnings", async () => {
    const dir = newDir();
    const lines: string[] = [];
    const registry = new MetricsRegistry();
    const m = new LogWriterManager({ dir, registry, report: (l) => lines.push(l) });
    for (const p of ["../x", "/etc/x", "a/b", ".hidden", "x\0y", "x\ny"]) for (let i = 0; i < 50; i++) m.write(conn(1, p + String(i)));
    await m.close();
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(m.totals.dropped, 6 * 50);
    assert.match(registry.render(), /zeek_logger_dropped_records_total\{path="",reason="bad-path"\} 300/);
    assert.ok(lines.length <= 12, `warnings are rate-limited (${lines.length})`);
    assert.ok(lines.every((l) => !/[\0\n]/.test(l)), "escaped on one line");
  });
});

describe("output and record bounds", () => {
  const zeroField = (records: number): Buffer => encodeLogBatch({ stream: "X::LOG", writer: "Log::WRITER_ASCII", filter: "default", path: "empty", fields: [], records: Array.from({ length: records }, () => []) });

  it("a batch whose output would exceed log_max_write_amplification bytes per received byte is refused whole and counted", async () => {
    const dir = newDir();
    const lines: string[] = [];
    const registry = new MetricsRegistry();
    const m = new LogWriterManager({ dir, registry, report: (l) => lines.push(l), maxWriteAmplification: 4 });
    const payload = zeroField(5000);
    m.write(decodeLogBatch(payload), { payloadBytes: payload.length, sender: "evil\n\x1b[31m" });
    const fine = encodeLogBatch(makeConnLikeBatch(50));
    m.write(decodeLogBatch(fine), { payloadBytes: fine.length, sender: "worker-1" }); // real records: ~0.7 bytes out per byte in
    await m.close();
    assert.deepEqual(readdirSync(dir), ["conn.log"]);
    assert.equal(dataLines(readFileSync(join(dir, "conn.log"), "latin1")).length, 50);
    assert.equal(m.totals.dropped, 5000);
    const text = registry.render();
    assert.match(text, /zeek_zmq_limit_hits_total\{reason="log_max_write_amplification"\} 1/);
    assert.match(text, /zeek_logger_dropped_records_total\{path="empty",reason="write-amplification"\} 5000/);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /sender "evil\\n\\x1b\[31m".*log_max_write_amplification=4/);
  });

  it("the decoder refuses more records than maxRecords before allocating them", () => {
    const payload = zeroField(11);
    assert.throws(() => decodeLogBatch(payload, { maxRecords: 10 }), (e: unknown) => e instanceof RecordLimitError && e.records === 11 && e.limit === 10 && e.path === "empty");
    assert.equal(decodeLogBatch(payload, { maxRecords: 11 }).records.length, 11);
  });

  it("log_max_paths: batches for a new path beyond the limit are refused and counted; known paths keep working", async () => {
    const dir = newDir();
    const registry = new MetricsRegistry();
    const m = new LogWriterManager({ dir, registry, maxPaths: 3, report: () => {} });
    for (let p = 0; p < 10; p++) m.write(conn(2, `p${p}`));
    m.write(conn(2, "p0"));
    await m.close();
    assert.deepEqual(readdirSync(dir).sort(), ["p0.log", "p1.log", "p2.log"]);
    assert.equal(dataLines(readFileSync(join(dir, "p0.log"), "latin1")).length, 4);
    assert.match(registry.render(), /zeek_zmq_limit_hits_total\{reason="log_max_paths"\} 7/);
    assert.equal((registry.render().match(/zeek_logger_written_records_total\{/g) ?? []).length, 3, "no metric series for refused paths");
  });

  it("written_records counts records once their bytes are on disk, not when formatted", async () => {
    const dir = newDir();
    const m = new LogWriterManager({ dir });
    m.write(conn(10));
    assert.equal(m.totals.written, 0, "formatted and queued, not yet written");
    await settle(m, 10);
    assert.equal(m.totals.written, 10);
    await m.close();
  });
});
