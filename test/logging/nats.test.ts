// The NATS JetStream sink against a real nats-server -js on a free loopback port: records of a
// real Zeek worker become one message each on zeek.logs.<path>, byte-identical to the lines of
// Zeek's JSON logger; a NATS restart mid-run loses nothing and duplicates nothing, and while NATS
// is down the sink's bounded window stops the logger from reading (the PULL queue and the
// sender's PUSH queue hold the backlog). Skipped with the reason when nats-server cannot run.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { connect, type NatsConnection } from "nats";
import { LOGS_DIR } from "../zeek-log/fixtures.js";
import { startLogSender } from "../faults/helpers.js";
import { type Proc, ProcSet } from "../harness/proc.js";
import { until } from "../harness/until.js";
import { NatsServer, natsServerMissing } from "./nats-server.js";
import { metric, startLogger, startPushNode, waitMetric, type LoggerProc } from "./procs.js";

const missing = natsServerMissing();
const procs: Proc[] = [];
const servers: NatsServer[] = [];
const set = new ProcSet();
after(async () => {
  for (const p of procs) p.kill();
  set.killAll();
  for (const s of servers) await s.close();
});

/** Every message of `stream` in stream order, expecting `n`; retried while a restarted JetStream times out. */
async function readStream(nc: NatsConnection, stream: string, n: number): Promise<{ subject: string; data: Buffer }[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readStreamOnce(nc, stream, n);
    } catch (err) {
      if (attempt >= 5 || !/TIMEOUT|503/.test(String(err))) throw err;
    }
  }
}

async function streamMessages(nc: NatsConnection, stream: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const jsm = await nc.jetstreamManager();
      return (await jsm.streams.info(stream)).state.messages;
    } catch (err) {
      if (attempt >= 5 || !/TIMEOUT|503/.test(String(err))) throw err;
    }
  }
}

/** An ordered consumer's pass over the stream. */
async function readStreamOnce(nc: NatsConnection, stream: string, n: number): Promise<{ subject: string; data: Buffer }[]> {
  const js = nc.jetstream();
  const c = await js.consumers.get(stream);
  const out: { subject: string; data: Buffer }[] = [];
  while (out.length < n) {
    const before = out.length;
    const it = await c.fetch({ max_messages: Math.min(1000, n - out.length), expires: 2000 });
    for await (const m of it) out.push({ subject: m.subject, data: Buffer.from(m.data) });
    if (out.length === before) break;
  }
  return out;
}

async function stopLogger(l: LoggerProc): Promise<void> {
  assert.equal((await l.stop()).code, 0, l.stderr);
}

describe("logger --sink nats (real nats-server -js)", { skip: missing ?? false }, () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  before(async () => {
    nats = await NatsServer.start();
    servers.push(nats);
    nc = await connect({ servers: nats.url });
  });
  after(async () => {
    await nc?.close();
  });

  it("a real Zeek worker's records: one JetStream message per record on zeek.logs.<path>, identical to Zeek's JSON log lines; stream created; acked and pending metrics", async () => {
    const logger = await startLogger(["--listen", "tcp://127.0.0.1:0", "--sink", "nats", "--nats-url", nats.url, "--log-nats-stream", "ZEEK_E2E"]);
    procs.push(logger);
    const node = startPushNode("replayer", [logger.endpoint]);
    procs.push(node);
    await node.ask("replay", /^replayed 58$/);
    await waitMetric(logger.metricsUrl, "zeek_logger_nats_acked_records_total", 103);
    assert.equal(await metric(logger.metricsUrl, "zeek_logger_nats_pending_records"), 0);
    assert.equal(await metric(logger.metricsUrl, "zeek_logger_nats_connected"), 1);
    assert.equal(await metric(logger.metricsUrl, "zeek_logger_written_records_total", 'path="conn"'), 34);
    assert.match(logger.stderr, /created JetStream stream ZEEK_E2E for subjects zeek\.logs\.>/);

    const msgs = await readStream(nc, "ZEEK_E2E", 103);
    assert.equal(msgs.length, 103);
    assert.equal(await streamMessages(nc, "ZEEK_E2E"), 103, "no duplicates");
    const fixtureDir = resolve(LOGS_DIR, "logs-json");
    const files = readdirSync(fixtureDir).map((f) => f.replace(/\.log$/, ""));
    assert.deepEqual([...new Set(msgs.map((m) => m.subject))].sort(), files.map((p) => `zeek.logs.${p}`).sort());
    for (const path of files) {
      const want = readFileSync(resolve(fixtureDir, `${path}.log`)).toString("latin1").split("\n").filter((l) => l !== "");
      const got = msgs.filter((m) => m.subject === `zeek.logs.${path}`).map((m) => m.data.toString("latin1"));
      assert.deepEqual(got, want, path);
    }
    await node.ask("close", /^closed$/);
    await stopLogger(logger);
    assert.doesNotMatch(logger.stderr, /cannot|skipped|dropp|lost/);
  });

  it("NATS killed and restarted mid-run: 0 records lost, none duplicated; while it is down the ack window stops the logger reading (the PULL and PUSH queues hold the rest)", async (t) => {
    const W = 50;
    const logger = await startLogger(["--listen", "tcp://127.0.0.1:0", "--sink", "nats", "--nats-url", nats.url, "--log-nats-stream", "ZEEK_RESTART", "--log-nats-subject-prefix", "restart", "--log-nats-ack-window", String(W), "--log-rcvhwm", "10"]);
    procs.push(logger);
    // One record per batch (seq 0..), PUSH HWM far above what is sent: the sender never drops.
    const sender = await startLogSender(set, { endpoints: [logger.endpoint], sndhwm: 100_000 });
    await sender.wait("connected");
    assert.deepEqual(await sender.command({ cmd: "log", from: 0, n: 1000 }, "logged"), { e: "logged", ok: 1000, dropped: 0 });
    await waitMetric(logger.metricsUrl, "zeek_logger_nats_acked_records_total", 1000).catch((e: Error) => {
      throw new Error(`${e.message}; logger stderr: ${logger.stderr}`);
    });

    // Kill NATS while records flow, so publishes are in flight (unacknowledged) when it dies.
    const down = 4000;
    const sent = sender.command({ cmd: "log", from: 1000, n: down }, "logged");
    await waitMetric(logger.metricsUrl, "zeek_logger_nats_acked_records_total", 1100);
    await nats.kill();
    assert.deepEqual(await sent, { e: "logged", ok: down, dropped: 0 });
    // The logger stops taking records once the sink is congested: disconnected with a window's
    // worth unacknowledged (acks cannot arrive and failed publishes stay pending, so from then on
    // the receiver reads nothing and the counts below hold still).
    await until(
      "NATS seen down with a window of records pending",
      async () => ({ connected: await metric(logger.metricsUrl, "zeek_logger_nats_connected"), pending: await metric(logger.metricsUrl, "zeek_logger_nats_pending_records") }),
      (s) => s.connected === 0 && s.pending >= W,
    );
    const received = await metric(logger.metricsUrl, "zeek_logger_received_records_total");
    const pending = await metric(logger.metricsUrl, "zeek_logger_nats_pending_records");
    const acked = await metric(logger.metricsUrl, "zeek_logger_nats_acked_records_total");
    t.diagnostic(`NATS down: logger took ${received} of ${1000 + down} records, ${acked} acknowledged, ${pending} pending (window ${W}, congested at ${2 * W})`);
    assert.equal(await metric(logger.metricsUrl, "zeek_logger_nats_connected"), 0);
    assert.ok(received < 1000 + down, "the logger stopped reading: the rest waits in the PULL and PUSH queues");
    // The receiver checks congestion once per turn of up to 256 messages (= records here).
    assert.ok(pending <= 2 * W + 256, `pending ${pending} stays within the window bound`);
    assert.equal(pending + acked, received, "every record taken is acknowledged or pending, none dropped");

    const t0 = performance.now();
    await nats.run();
    await waitMetric(logger.metricsUrl, "zeek_logger_nats_acked_records_total", 1000 + down);
    t.diagnostic(`all ${1000 + down} records acknowledged ${Math.round(performance.now() - t0)} ms after NATS restarted; failed publishes resent: ${await metric(logger.metricsUrl, "zeek_logger_nats_failed_publishes_total")}`);
    assert.equal(await metric(logger.metricsUrl, "zeek_logger_nats_pending_records"), 0);
    assert.equal(await metric(logger.metricsUrl, "zeek_logger_dropped_records_total"), 0);

    // A fresh reader (the suite's connection may still be reconnecting).
    const reader = await connect({ servers: nats.url });
    const msgs = await readStream(reader, "ZEEK_RESTART", 1000 + down);
    assert.equal(await streamMessages(reader, "ZEEK_RESTART"), 1000 + down, "exactly one stored message per record");
    await reader.close();
    const seqs = msgs.map((m) => Number((JSON.parse(m.data.toString()) as { seq: number }).seq));
    assert.deepEqual(seqs, Array.from({ length: 1000 + down }, (_, i) => i), "every record once, in order");
    await sender.quit();
    await stopLogger(logger);
    assert.match(logger.stderr, /lost the connection to NATS/);
    assert.match(logger.stderr, /reconnected to NATS/);
  });
});
