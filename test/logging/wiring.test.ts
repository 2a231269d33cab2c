// How a node's logging is wired from its options (cluster/logging-wiring.ts): local files, an
// injected consumer, or no local files at all; the logging layer itself never reads NodeOptions.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { wireNodeLogging } from "../../src/cluster/logging-wiring.js";
import { DEFAULT_NODE_OPTIONS } from "../../src/cluster/options.js";
import type { LogBatch } from "../../src/codec/zeek-log/index.js";
import { type BatchOrigin, type LogBatchConsumer, LogWriterManager } from "../../src/logging/index.js";
import { MetricsRegistry } from "../../src/telemetry/registry.js";
import { makeConnLikeBatch } from "../zeek-log/conn-like.js";

const base = { nodeId: "n1", registry: new MetricsRegistry(), msgErrors: undefined };

describe("node logging wiring", () => {
  it("an injected consumer gets the node's own batches (local origin: no amplification limit)", async () => {
    const got: [LogBatch, BatchOrigin][] = [];
    const consumer: LogBatchConsumer = {
      write: (b, o) => void got.push([b, o]),
      congested: false,
      whenUncongested: (f) => f(),
      shutdown: async () => ({ lostBytes: 0, lostRecords: 0, failures: 0 }),
    };
    const w = wireNodeLogging({ ...base, options: DEFAULT_NODE_OPTIONS, config: { consumer }, report: () => {} });
    assert.equal(w.consumer, consumer);
    assert.equal(w.sender, undefined);
    assert.ok(w.sink.send(makeConnLikeBatch(2)));
    assert.equal(got.length, 1);
    assert.deepEqual(got[0]![1], { sender: "", payloadBytes: 0 });
  });

  it("consumer: false: a node without loggers writes no local files and says once that its logs are discarded", async () => {
    const lines: string[] = [];
    const w = wireNodeLogging({ ...base, options: DEFAULT_NODE_OPTIONS, config: { consumer: false }, report: (l) => lines.push(l) });
    assert.equal(w.consumer, undefined);
    assert.ok(w.sink.send(makeConnLikeBatch(2)));
    assert.ok(w.sink.send(makeConnLikeBatch(2)));
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /connect_log_endpoints is empty, log writes \(first: conn\) are discarded/);
    await w.sender!.close();
  });

  it("by default a lone node writes local files with the log_max_* limits from its options", async (t) => {
    const parent = mkdtempSync(join(tmpdir(), "zeek-zmq-wiring-"));
    t.after(() => rmSync(parent, { recursive: true, force: true }));
    const dir = join(parent, "logs");
    const w = wireNodeLogging({ ...base, options: { ...DEFAULT_NODE_OPTIONS, logMaxOpenFiles: 3 }, config: { dir }, report: () => {} });
    assert.ok(w.consumer instanceof LogWriterManager);
    assert.equal(w.consumer.maxOpenFiles, 3);
    w.sink.send(makeConnLikeBatch(2));
    await w.consumer.shutdown();
    assert.deepEqual(readdirSync(dir), ["conn.log"]);
    assert.match(readFileSync(join(dir, "conn.log"), "latin1"), /^#separator/);
  });
});
