// The logger rows of the attack table against both columns: `zeek-zmq logger` and a libzmq PULL
// stand-in (test/attacks/logger-helpers.ts) that receives every log-write and appends its payload
// to a file. Each prints its figures (t.diagnostic) for RELIABILITY.md section 7.2 and asserts the
// zeek-zmq bounds; the stand-in's figures are recorded, not asserted (it has no limits to test).
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { memory, metric, ZmtpAttacker } from "./harness.js";
import { until } from "../harness/until.js";
import { connBatch, GoodSender, logWrite, startLibzmqPull, startLogger, zeroFieldBatch, type LoggerTarget } from "./logger-helpers.js";

function bytesWritten(t: LoggerTarget): number {
  let n = 0;
  for (const f of readdirSync(t.dir)) n += statSync(join(t.dir, f)).size;
  return n;
}

describe("logger attacks: zeek-zmq vs a libzmq PULL", () => {
  for (const impl of ["zeek-zmq", "libzmq PULL"] as const) {
    it(`${impl}: 200 batches of 67 bytes declaring 1,000,000 zero-field records`, async (t) => {
      const target = impl === "zeek-zmq" ? await startLogger(t) : await startLibzmqPull(t);
      const rss0 = memory(target.pid).rssMb;
      const a = await ZmtpAttacker.connect(target.endpoint, "PUSH");
      const sent = await a.flood(200, () => a.message(logWrite(zeroFieldBatch(1_000_000))));
      if (target.metricsUrl) await until("200 refusals", () => metric(target.metricsUrl!, "zeek_zmq_limit_hits_total", { reason: "log_max_records_per_batch" }), (n) => n >= 200);
      else await until("payloads written", () => bytesWritten(target), (n) => n >= 200 * zeroFieldBatch(0).length);
      const grew = memory(target.pid).rssMb - rss0;
      t.diagnostic(`${impl}: ${sent} batches sent, RSS +${grew.toFixed(1)} MB, ${bytesWritten(target)} bytes written`);
      if (impl === "zeek-zmq") {
        const good = await GoodSender.start(t, target);
        await good.check();
        assert.ok(grew < 30, `RSS growth ${grew} MB`);
        assert.ok(bytesWritten(target) < 10_000, "no empty lines written");
      }
      a.close();
    });

    it(`${impl}: 2,000 distinct paths, one record each`, async (t) => {
      const target = impl === "zeek-zmq" ? await startLogger(t) : await startLibzmqPull(t);
      const rss0 = memory(target.pid).rssMb;
      const a = await ZmtpAttacker.connect(target.endpoint, "PUSH");
      const t0 = performance.now();
      await a.flood(2000, (i) => a.message(logWrite(connBatch(1, `p${i}`))));
      if (target.metricsUrl) await until("2000 written", () => metric(target.metricsUrl!, "zeek_logger_written_records_total"), (n) => n >= 2000, 60_000);
      else await until("payloads written", () => bytesWritten(target), (n) => n >= 2000 * 500);
      const ms = performance.now() - t0;
      const fds = readdirSync(`/proc/${target.pid}/fd`).length;
      const grew = memory(target.pid).rssMb - rss0;
      t.diagnostic(`${impl}: 2000 paths in ${ms.toFixed(0)} ms, ${fds} descriptors, RSS +${grew.toFixed(1)} MB, ${readdirSync(target.dir).length} files`);
      if (impl === "zeek-zmq") assert.ok(grew < 100, `RSS growth ${grew} MB`);
      a.close();
    });
  }
});
