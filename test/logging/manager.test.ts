import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { decodeLogBatch, encodeLogBatch, LogTypedValue, TypeTag, type LogBatch } from "../../src/codec/zeek-log/index.js";
import { AsciiRecordWriter } from "../../src/logging/ascii-records.js";
import { AsciiLogFormat } from "../../src/logging/format/ascii.js";
import { LogWriterManager, nextRotationDelay } from "../../src/logging/manager.js";
import { ByteSink } from "../../src/logging/sink.js";
import { MetricsRegistry } from "../../src/telemetry/registry.js";
import { makeConnLikeBatch } from "../zeek-log/conn-like.js";
import { captureLogBatches, LOGS_DIR } from "../zeek-log/fixtures.js";
import { until } from "../harness/until.js";

const tmp = mkdtempSync(join(tmpdir(), "zeek-zmq-logmgr-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
let seq = 0;
const newDir = (): string => join(tmp, `d${seq++}`);
const META_TIME = /^(#(?:open|close)\t)\d{4}(-\d\d){5}$/gm;

/** Zeek's file with #open/#close times replaced, as latin1 text for readable diffs. */
function normalized(file: string): string {
  return readFileSync(file).toString("latin1").replace(META_TIME, "$1T");
}

function feedCapture(m: LogWriterManager): void {
  for (const raw of captureLogBatches()) m.write(decodeLogBatch(raw), { payloadBytes: raw.length, sender: "worker-1" });
}

describe("LogWriterManager vs. a real Zeek logger", () => {
  it("TSV: the capture's 58 batches produce Zeek's logs-tsv/ files (modulo #open/#close times)", async () => {
    const dir = newDir();
    const registry = new MetricsRegistry();
    const m = new LogWriterManager({ dir, registry });
    feedCapture(m);
    assert.equal(await m.close(), 0);
    const want = readdirSync(resolve(LOGS_DIR, "logs-tsv")).sort();
    assert.deepEqual(readdirSync(dir).sort(), want);
    for (const f of want) {
      const got = normalized(join(dir, f));
      assert.match(got, /^#open\tT$/m);
      assert.deepEqual(got.split("\n"), normalized(resolve(LOGS_DIR, "logs-tsv", f)).split("\n"), f);
    }
    assert.deepEqual(m.totals, { batches: 58, records: 103, written: 103, dropped: 0 });
    const text = registry.render();
    assert.match(text, /zeek_logger_received_records_total\{path="dns"\} 34/);
    assert.match(text, /zeek_logger_received_batches_total\{path="conn"\} 34/);
    assert.match(text, /zeek_logger_written_records_total\{path="all_types"\} 20/);
    const bytes = /zeek_logger_written_bytes_total\{path="http"\} (\d+)/.exec(text)?.[1];
    assert.equal(Number(bytes), readFileSync(join(dir, "http.log")).length);
  });

  it("JSON: the same batches produce Zeek's logs-json/ files byte for byte", async () => {
    const dir = newDir();
    const m = new LogWriterManager({ dir, format: "json" });
    feedCapture(m);
    assert.equal(await m.close(), 0);
    const want = readdirSync(resolve(LOGS_DIR, "logs-json")).sort();
    assert.deepEqual(readdirSync(dir).sort(), want);
    for (const f of want) assert.ok(readFileSync(join(dir, f)).equals(readFileSync(resolve(LOGS_DIR, "logs-json", f))), f);
  });

  it("per-path format overrides", async () => {
    const dir = newDir();
    const m = new LogWriterManager({ dir, formats: { reporter: "json" } });
    feedCapture(m);
    await m.close();
    assert.ok(readFileSync(join(dir, "reporter.log")).equals(readFileSync(resolve(LOGS_DIR, "logs-json", "reporter.log"))));
    assert.match(readFileSync(join(dir, "conn.log"), "latin1"), /^#separator/);
  });
});

describe("ASCII fast path", () => {
  it("writes the same bytes as AsciiLogFormat.record for fixture, conn-like and odd records", () => {
    const fmt = new AsciiLogFormat();
    const batches: LogBatch[] = captureLogBatches().map((b) => decodeLogBatch(b));
    batches.push(decodeLogBatch(encodeLogBatch(makeConnLikeBatch(2000))));
    const f = (name: string, type: number) => ({ name, type, subtype: 0, optional: true });
    batches.push({
      stream: "X::LOG", writer: "Log::WRITER_ASCII", filter: "default", path: "x",
      fields: [f("s", TypeTag.string), f("c", TypeTag.count), f("b", TypeTag.bool), f("d", TypeTag.double)],
      records: [
        [new TextEncoder().encode("#lead"), 0n, true, 0.5],
        [new TextEncoder().encode("-"), 4294967296n, false, -0],
        [new TextEncoder().encode("a b"), 2147483647n, new LogTypedValue(TypeTag.bool, 0, 2n), 1e20],
        ["js string", 7, null, NaN],
      ],
    });
    let fast = 0;
    for (const b of batches) {
      const sink = new ByteSink();
      const n = new AsciiRecordWriter(fmt, b.fields).write(sink, b.records, (e) => assert.fail(String(e)));
      assert.equal(n, b.records.length);
      const want = b.records.map((r) => fmt.record(b.fields, r) + "\n").join("");
      assert.equal(Buffer.concat(sink.take()).toString("latin1"), Buffer.from(want).toString("latin1"), b.path);
      fast += n;
    }
    assert.ok(fast > 2000);
  });
});

describe("LogWriterManager policies", () => {
  const conn = (): LogBatch => decodeLogBatch(encodeLogBatch(makeConnLikeBatch(10)));

  it("skips other writers, unsafe paths and schema changes, counting every record", async () => {
    const dir = newDir();
    const lines: string[] = [];
    const registry = new MetricsRegistry();
    const m = new LogWriterManager({ dir, registry, report: (l) => lines.push(l) });
    m.write(conn());
    m.write({ ...conn(), writer: "Log::WRITER_SQLITE" });
    m.write({ ...conn(), writer: "Log::WRITER_SQLITE" });
    m.write({ ...conn(), path: "../escape" });
    m.write({ ...conn(), fields: conn().fields.slice(0, 19), records: conn().records.map((r) => r.slice(0, 19)) });
    await m.close();
    assert.deepEqual(readdirSync(dir), ["conn.log"]);
    assert.equal(m.totals.written, 10);
    assert.equal(m.totals.dropped, 40);
    assert.equal(lines.filter((l) => l.includes("WRITER_SQLITE")).length, 1, "warned once");
    assert.ok(lines.some((l) => l.includes('"../escape"')));
    const text = registry.render();
    assert.match(text, /zeek_logger_dropped_records_total\{path="conn",reason="unknown-writer"\} 20/);
    assert.match(text, /zeek_logger_dropped_records_total\{path="conn",reason="schema-mismatch"\} 10/);
  });

  it("a value that does not fit its column drops that record only", async () => {
    const dir = newDir();
    const lines: string[] = [];
    const m = new LogWriterManager({ dir, report: (l) => lines.push(l) });
    const b = conn();
    b.records[3]![0] = "not a time";
    m.write(b);
    await m.close();
    const data = readFileSync(join(dir, "conn.log"), "latin1").split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    assert.equal(data.length, 9);
    assert.equal(m.totals.dropped, 1);
    assert.match(lines[0]!, /conn record .* dropped: ts: expected a number/);
  });

  it("a path whose file cannot be written is reported and retried; other paths keep working; nothing is lost once it recovers", async () => {
    const dir = newDir();
    const lines: string[] = [];
    const m = new LogWriterManager({ dir, report: (l) => lines.push(l), retryMs: 20 });
    // conn.log cannot be opened: a directory has its name (works for root too, unlike chmod).
    const blocker = join(dir, "conn.log");
    mkdirSync(blocker);
    writeFileSync(join(blocker, "x"), "");
    m.write(conn());
    const dns = decodeLogBatch(captureLogBatches()[0]!);
    m.write(dns);
    m.flush();
    await until("a \"cannot write\" report", () => lines, (ls) => ls.some((l) => l.includes("cannot write")));
    assert.match(lines.find((l) => l.includes("cannot write"))!, /conn\.log: .*EISDIR.* bytes stay queued and are retried/);
    await until("all_types.log written", () => readdirSync(dir), (names) => names.includes("all_types.log"));
    m.write(conn()); // still accepted while failing: queued
    rmSync(blocker, { recursive: true });
    assert.equal(await m.close(), 0);
    const data = readFileSync(join(dir, "conn.log"), "latin1").split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    assert.equal(data.length, 20);
    assert.ok(lines.some((l) => l.includes("works again")));
  });
});

describe("rotation", () => {
  it("rotation delay is aligned to multiples of the interval from local midnight", () => {
    const d = new Date(2026, 10, 22, 4, 13, 20);
    assert.equal(nextRotationDelay(d, 3600), 46 * 60 + 40);
    assert.equal(nextRotationDelay(d, 60), 40);
    assert.equal(nextRotationDelay(new Date(2026, 10, 22, 5, 0, 0), 3600), 3600);
  });

  it("renames with Zeek's names, writes #close, reopens lazily and runs the post-rotation command", async () => {
    const dir = newDir();
    const out = join(tmp, `pp${seq++}.txt`);
    const m = new LogWriterManager({ dir, rotationInterval: 3600, postRotateCommand: `printf '%s|' >>${out}` });
    const batches = captureLogBatches().map((b) => decodeLogBatch(b));
    for (const b of batches.slice(0, 4)) m.write(b);
    const rotated = await m.rotate();
    assert.equal(rotated.length, 4);
    const names = readdirSync(dir).sort();
    assert.equal(names.length, 4);
    for (const n of names) assert.match(n, /^(all_types|dns|http|reporter)\.\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.log$/);
    const first = readFileSync(join(dir, names.find((n) => n.startsWith("reporter"))!), "latin1");
    assert.match(first, /#close\t\d{4}(-\d\d){5}\n$/);
    for (const b of batches.slice(4)) m.write(b);
    await m.close(); // rotation on: shutdown rotates with terminating=1
    const after2 = readdirSync(dir).sort();
    assert.ok(after2.some((n) => /^conn\.\d{4}(-\d\d){5}\.log$/.test(n)));
    assert.ok(!after2.includes("conn.log"));
    const pp = readFileSync(out, "utf8").split("|").filter((x) => x !== "");
    // 4 rotations + (dns, conn) at termination, 6 args each.
    assert.equal(pp.length, 6 * 6);
    assert.match(pp.slice(0, 6).join(" "), new RegExp(`^${dir}/\\S+\\.log \\S+ \\d\\d-\\d\\d-\\d\\d_\\d\\d\\.\\d\\d\\.\\d\\d \\S+ 0 ascii$`));
    assert.equal(pp.filter((x) => x === "1").length, 2);
  });
});
