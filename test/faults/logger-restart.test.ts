// Fault: the logger (zeek-zmq logger, a real process) is killed with SIGKILL and restarted on the
// same endpoint and directory. The node side (LogSender: the PUSH socket a node logs through)
// keeps its persistent pipe: batches written while the logger is down queue there (up to
// log_sndhwm batches) and are delivered once the logger is back. 0 records lost while the queue
// is under its HWM; above it, every refused batch is counted (zeek_log_sender_hwm_drops_total).
// Not promised: batches already handed to a logger's TCP connection when the logger dies.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ProcSet } from "../harness/proc.js";
import { until } from "../harness/until.js";
import { startCliLogger, startLogSender } from "./helpers.js";

const set = new ProcSet();
const dirs: string[] = [];
after(async () => {
  set.killAll();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** seq values of the records in DIR/fault.log (both runs append to it). */
async function seqs(dir: string): Promise<number[]> {
  let text = "";
  try {
    text = await readFile(join(dir, "fault.log"), "utf8");
  } catch {
    return [];
  }
  const out: number[] = [];
  let col = -1;
  for (const line of text.split("\n")) {
    if (line.startsWith("#fields")) col = line.split("\t").indexOf("seq") - 1;
    else if (line !== "" && !line.startsWith("#")) out.push(Number(line.split("\t")[col]));
  }
  return out;
}

test("logger killed and restarted: 0 log records lost while the PUSH queue is under its HWM; above it drops are counted", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "zeek-zmq-fault-logger-"));
  dirs.push(dir);
  const sndhwm = 1000;
  let { proc: logger, endpoint } = await startCliLogger(set, "tcp://127.0.0.1:0", dir);
  const sender = await startLogSender(set, { endpoints: [endpoint], sndhwm });
  await sender.wait("connected");

  assert.deepEqual(await sender.command({ cmd: "log", from: 0, n: 200 }, "logged"), { e: "logged", ok: 200, dropped: 0 });
  await until("first 200 records on disk", () => seqs(dir), (s) => s.length === 200);

  for (let round = 1; round <= 2; round++) {
    const mark = sender.lines.length;
    logger.kill();
    await logger.exited;
    // The sender noticed (FIN from the dead process); from here on batches queue in the pipe.
    await sender.wait("disconnected", () => true, mark);
    const from = 200 + (round - 1) * 900;
    assert.deepEqual(await sender.command({ cmd: "log", from, n: 900 }, "logged"), { e: "logged", ok: 900, dropped: 0 }, "900 < log_sndhwm: all queued");
    const t0 = performance.now();
    ({ proc: logger } = await startCliLogger(set, endpoint, dir));
    const total = from + 900;
    const got = await until(`all ${total} records on disk after restart ${round}`, () => seqs(dir), (s) => s.length >= total, 20_000);
    t.diagnostic(`round ${round}: ${900} queued records written ${Math.round(performance.now() - t0)} ms after the logger restarted`);
    assert.deepEqual(got.slice().sort((a, b) => a - b), Array.from({ length: total }, (_, i) => i), "every record exactly once");
  }

  // Over the HWM while the logger is down: exactly the excess is refused and counted.
  const mark = sender.lines.length;
  logger.kill();
  await logger.exited;
  await sender.wait("disconnected", () => true, mark);
  const over = await sender.command({ cmd: "log", from: 2000, n: sndhwm + 250 }, "logged");
  assert.deepEqual(over, { e: "logged", ok: sndhwm, dropped: 250 }, "the queue holds log_sndhwm batches, the rest is counted");
  ({ proc: logger } = await startCliLogger(set, endpoint, dir));
  const got = await until("queued records after the overflow", () => seqs(dir), (s) => s.length >= 2000 + sndhwm, 20_000);
  const expected = [...Array.from({ length: 2000 }, (_, i) => i), ...Array.from({ length: sndhwm }, (_, i) => 2000 + i)];
  assert.deepEqual(got.slice().sort((a, b) => a - b), expected, "the first log_sndhwm batches arrived, the refused ones did not");
  await sender.quit();
  assert.equal((await logger.stop("SIGTERM")).code, 0);
});
