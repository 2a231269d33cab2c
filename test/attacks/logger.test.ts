// Fast subset of the logger attacks (in `npm test`): each against a real `zeek-zmq logger`
// process, asserting (a) bounded RSS growth, (b) a real LogSender keeps getting its records
// written, (c) the metric counted it. The full suite with the libzmq column: logger-*.attack.ts.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { memory, metric, ZmtpAttacker } from "./harness.js";
import { until } from "../harness/until.js";
import { connBatch, GoodSender, logWrite, recordLines, startLogger, zeroFieldBatch } from "./logger-helpers.js";

describe("logger attacks (fast subset)", () => {
  it("twenty 67-byte batches declaring 1,000,000 zero-field records: refused, no empty lines, RSS flat", async (t) => {
    const target = await startLogger(t);
    const good = await GoodSender.start(t, target);
    await good.check();
    const rss0 = memory(target.pid).rssMb;
    const a = await ZmtpAttacker.connect(target.endpoint, "PUSH");
    const payload = zeroFieldBatch(1_000_000);
    await a.flood(20, () => a.message(logWrite(payload)));
    await until("20 limit hits", () => metric(target.metricsUrl!, "zeek_zmq_limit_hits_total", { reason: "log_max_records_per_batch" }), (n) => n >= 20);
    await good.check();
    assert.ok(memory(target.pid).rssMb - rss0 < 30, "RSS growth under 30 MB");
    assert.ok(!readdirSync(target.dir).includes("empty.log"), "no file of empty lines");
    // Under the record limit the amplification limit still refuses them (5,000 one-byte lines from 67 bytes > 32 per byte).
    await a.flood(5, () => a.message(logWrite(zeroFieldBatch(5000))));
    await until("amplification hits", () => metric(target.metricsUrl!, "zeek_zmq_limit_hits_total", { reason: "log_max_write_amplification" }), (n) => n >= 5);
    a.close();
    assert.equal((await target.proc.stop()).code, 0);
  });

  it("field names with tabs and newlines: one #fields line, one #close line, escaped names", async (t) => {
    const target = await startLogger(t);
    const { decodeLogBatch, encodeLogBatch } = await import("../../src/codec/zeek-log/index.js");
    const b = decodeLogBatch(connBatch(3, "forged"));
    b.fields[1] = { ...b.fields[1]!, name: "uid\n#close\t2000-01-01-00-00-00\n#fields\tx" };
    const a = await ZmtpAttacker.connect(target.endpoint, "PUSH");
    await a.write(a.message(logWrite(encodeLogBatch(b), "evil\n\x1b[2J")));
    await until("forged.log", () => recordLines(join(target.dir, "forged.log")), (n) => n === 3);
    a.close();
    assert.equal((await target.proc.stop()).code, 0);
    const lines = readFileSync(join(target.dir, "forged.log"), "latin1").split("\n");
    assert.equal(lines.filter((l) => l.startsWith("#fields")).length, 1);
    assert.equal(lines.filter((l) => l.startsWith("#close")).length, 1);
    assert.ok(target.proc.err.every((l) => !l.includes("\x1b")), "nothing raw on stderr");
  });

  it("a file size limit (EFBIG): reported, written_records counts only what reached the file, exit status 1", async (t) => {
    const target = await startLogger(t, { fsize: 200_000 });
    const a = await ZmtpAttacker.connect(target.endpoint, "PUSH");
    for (let i = 0; i < 10; i++) await a.write(a.message(logWrite(connBatch(200, "conn"))));
    await until("EFBIG reported", () => target.proc.err.join("\n"), (s) => /cannot write .*conn\.log: .*EFBIG.*ulimit -f/.test(s));
    const written = await metric(target.metricsUrl!, "zeek_logger_written_records_total");
    const onDisk = recordLines(join(target.dir, "conn.log"));
    // A batch counts once all its lines are on disk: never more than the file holds.
    assert.ok(written <= onDisk && written > onDisk - 200, `written_records ${written} vs ${onDisk} lines in the file`);
    assert.ok((await metric(target.metricsUrl!, "zeek_logger_file_failures_total")) >= 1);
    a.close();
    const exit = await target.proc.stop();
    assert.equal(exit.code, 1, "a disk failure is never a clean exit");
    const lost = Number(/(\d+) records lost; exiting with status 1/.exec(target.proc.err.join("\n"))?.[1]);
    assert.equal(written + lost, 2000, "every record is either counted as written or as lost");
  });

  it("2,000 paths under a 300-descriptor limit: files capped, new senders accepted, /metrics answers, every record written", async (t) => {
    const target = await startLogger(t, { nofile: 300 });
    const a = await ZmtpAttacker.connect(target.endpoint, "PUSH");
    await a.flood(2000, (i) => a.message(logWrite(connBatch(1, `p${i}`))));
    await until("2000 records written", () => metric(target.metricsUrl!, "zeek_logger_written_records_total"), (n) => n >= 2000, 60_000);
    const fds = readdirSync(`/proc/${target.pid}/fd`).length;
    assert.ok(fds < 200, `descriptors in use: ${fds}`);
    const good = await GoodSender.start(t, target); // a new sender is still accepted
    await good.check();
    assert.ok((await metric(target.metricsUrl!, "zeek_logger_file_evictions_total")) > 0);
    a.close();
    assert.equal((await target.proc.stop()).code, 0);
    assert.equal(readdirSync(target.dir).length, 2001);
  });

  it("log_max_paths: a sender inventing paths gets refused past the limit; metric series stay bounded; known paths keep working", async (t) => {
    const target = await startLogger(t, { extra: ["--log-max-paths", "50"] });
    const good = await GoodSender.start(t, target);
    await good.check();
    const rss0 = memory(target.pid).rssMb;
    const a = await ZmtpAttacker.connect(target.endpoint, "PUSH");
    await a.flood(5000, (i) => a.message(logWrite(connBatch(1, `x${i}`), "path-spammer")));
    await until("limit hits", () => metric(target.metricsUrl!, "zeek_zmq_limit_hits_total", { reason: "log_max_paths" }), (n) => n >= 5000 - 49);
    await good.check();
    assert.ok(memory(target.pid).rssMb - rss0 < 50, "RSS growth under 50 MB");
    const page = await (await fetch(target.metricsUrl!)).text();
    assert.ok((page.match(/^zeek_logger_received_records_total\{/gm) ?? []).length <= 51, "at most one series per accepted path (+ the shared one)");
    assert.equal(target.proc.err.filter((l) => l.includes("path-spammer")).length, 1, "warned once, naming the sender");
    a.close();
    assert.equal((await target.proc.stop()).code, 0);
    assert.equal(readdirSync(target.dir).length, 50);
  });
});
