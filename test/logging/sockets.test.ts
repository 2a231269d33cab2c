// LogReceiver and LogSender on real sockets in this process: hostile messages, HWM drops,
// options from NodeOptions and the no-logger check.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { after, describe, it } from "node:test";
import { layoutFromObject } from "../../src/cluster/layout.js";
import { resolveOptions } from "../../src/cluster/options.js";
import { encodeLogBatch } from "../../src/codec/zeek-log/index.js";
import { ConfigError } from "../../src/errors.js";
import { LogReceiver } from "../../src/logging/receiver.js";
import { LogWriterManager } from "../../src/logging/manager.js";
import { LogSender } from "../../src/logging/sender.js";
import { checkLogEndpoints, logSenderOptions } from "../../src/cluster/logging-wiring.js";
import { MetricsRegistry } from "../../src/telemetry/registry.js";
import { Pull, Push } from "../../src/transport/index.js";
import { makeConnLikeBatch } from "../zeek-log/conn-like.js";

function handshakes(sock: Push, n: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    sock.on("handshake", () => void (++seen === n && resolve()));
  });
}

const tmp = mkdtempSync(join(tmpdir(), "zeek-zmq-logsock-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("LogReceiver", () => {
  it("counts and skips wrong part counts, other formats and malformed batches, and keeps writing good ones", async () => {
    const registry = new MetricsRegistry();
    const lines: string[] = [];
    const manager = new LogWriterManager({ dir: tmp, registry, report: (l) => lines.push(l) });
    const receiver = new LogReceiver(manager, { endpoint: "tcp://127.0.0.1:0", registry, report: (l) => lines.push(l) });
    const endpoint = await receiver.start();
    const push = new Push({ linger: -1 });
    push.connect(endpoint);
    // Transport limitation: close() drops messages queued on a connection still being set up.
    await once(push, "handshake");
    const good = encodeLogBatch(makeConnLikeBatch(5));
    const tag = Buffer.from("log-write");
    const id = Buffer.from("hostile");
    const fmt = Buffer.from("zeek-bin-serializer");
    push.send([tag, id, fmt]);
    push.send([tag, id, Buffer.from("zeek-bin-v1"), good]);
    push.send([tag, id, fmt, good.subarray(0, good.length - 3)]);
    push.send([tag, id, fmt, Buffer.from([0xff, 0xff, 0xff, 0xff])]);
    push.send([tag, id, fmt, good]);
    await push.close();
    await new Promise<void>((r) => {
      const check = (): void => (receiver.messages >= 5 ? r() : void setImmediate(check));
      check();
    });
    await receiver.close();
    await manager.close();
    assert.equal(receiver.errors, 4);
    assert.match(registry.render(), /zeek_cluster_zeromq_msg_errors_total 4/);
    assert.equal(manager.totals.written, 5);
    assert.equal(readFileSync(join(tmp, "conn.log"), "utf8").split("\n").filter((l) => l !== "" && !l.startsWith("#")).length, 5);
    assert.ok(lines.some((l) => /3 parts/.test(l)));
    assert.ok(lines.some((l) => /format "zeek-bin-v1"/.test(l)));
    assert.ok(lines.some((l) => /malformed log-write batch from sender "hostile": zeek-bin-serializer: /.test(l)));
  });
});

describe("LogSender", () => {
  it("sends 4-part log-write messages with the node id, load-balanced, configured from NodeOptions", async () => {
    const pulls = [new Pull(), new Pull()];
    const eps = await Promise.all(pulls.map((p) => p.bind("tcp://127.0.0.1:0")));
    const registry = new MetricsRegistry();
    const options = resolveOptions({ cli: { "connect-log-endpoints": eps.join(","), "log-sndhwm": "5" } });
    const sender = new LogSender(logSenderOptions(options, "zeromq_worker-1_host_1_NX", { registry }));
    await handshakes(sender.socket!, 2);
    const batch = makeConnLikeBatch(3);
    for (let i = 0; i < 4; i++) assert.ok(sender.send(batch));
    await sender.close();
    const takeTwo = async (p: Pull): Promise<Buffer[][]> => {
      const out: Buffer[][] = [];
      while (out.length < 2) out.push(...(await p.receiveBatch(2 - out.length)));
      return out;
    };
    const got = await Promise.all(pulls.map(takeTwo));
    for (const msgs of got) {
      assert.equal(msgs.length, 2);
      for (const m of msgs) {
        assert.deepEqual(m.slice(0, 3).map((b) => b.toString()), ["log-write", "zeromq_worker-1_host_1_NX", "zeek-bin-serializer"]);
        assert.ok(m[3]!.equals(encodeLogBatch(batch)));
      }
    }
    assert.match(registry.render(), /zeek_log_sender_records_total 12/);
    await Promise.all(pulls.map((p) => p.close()));
  });

  it("at log_sndhwm a batch is dropped with a clear error and counted, never silently", async () => {
    const registry = new MetricsRegistry();
    const lines: string[] = [];
    // Nothing listens there: without log_immediate the endpoint's queue takes log_sndhwm batches.
    const probe = new Pull();
    const dead = await probe.bind("tcp://127.0.0.1:0");
    await probe.close();
    const sender = new LogSender({ nodeId: "n1", endpoints: [dead], sendHighWaterMark: 2, linger: 0, registry, report: (l) => lines.push(l) });
    const batch = makeConnLikeBatch(10);
    const results = Array.from({ length: 5 }, () => sender.send(batch));
    assert.deepEqual(results, [true, true, false, false, false]);
    assert.deepEqual(sender.stats, { batches: 2, records: 20, bytes: 2 * encodeLogBatch(batch).length, hwmDrops: 3, hwmDroppedRecords: 30, lingerDrops: 0 });
    assert.match(registry.render(), /zeek_log_sender_hwm_drops_total 3/);
    assert.equal(lines.length, 1, "reported once, then rate-limited");
    assert.match(lines[0]!, new RegExp(`failed to send log write for conn \\(10 records\\): every logger connection \\(${dead.replace(/[.[\]]/g, "\\$&")}\\) is at log_sndhwm=2`));
    // Closing with the 2 queued batches undeliverable: linger (0) runs out, both are counted and reported once.
    assert.equal(await sender.close(), 2);
    assert.equal(sender.stats.lingerDrops, 2);
    assert.match(registry.render(), /zeek_log_sender_linger_drops_total 2/);
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, /2 log batch\(es\) were still queued for .* when linger_ms=0 ran out at close and are lost/);
  });

  it("a multi-node layout without any logger is an error, as in Zeek", () => {
    const layout = layoutFromObject({ managerIsLogger: false, nodes: { manager: { type: "manager" }, "worker-1": { type: "worker" } } }, "test.json");
    assert.throws(() => checkLogEndpoints(layout, "worker-1", []), (e: unknown) => e instanceof ConfigError && /worker-1.*no logger.*manager_is_logger is false/.test(e.message));
    const withLogger = layoutFromObject({ nodes: { manager: { type: "manager" }, "logger-1": { type: "logger", port: 27761 }, "worker-1": { type: "worker" } } }, "l.json");
    const o = resolveOptions({ layout: withLogger, nodeName: "worker-1" });
    assert.deepEqual(o.connectLogEndpoints, ["tcp://127.0.0.1:27761"]);
    checkLogEndpoints(withLogger, "worker-1", o.connectLogEndpoints);
    checkLogEndpoints(withLogger, "logger-1", []);
  });
});
