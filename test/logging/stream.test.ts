import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { z } from "../../src/codec/broker/types.js";
import { decodeLogBatch, encodeLogBatch, type LogBatch } from "../../src/codec/zeek-log/index.js";
import { EncodeError, ConfigError } from "../../src/errors.js";
import { AsciiLogFormat } from "../../src/logging/format/ascii.js";
import { defaultPath, Log, type LogBatchSink } from "../../src/logging/stream.js";
import { captureLogBatches, LOGS_DIR } from "../zeek-log/fixtures.js";

class Collect implements LogBatchSink {
  readonly batches: LogBatch[] = [];
  private waiter: (() => void) | null = null;
  send(batch: LogBatch): boolean {
    this.batches.push(batch);
    this.waiter?.();
    return true;
  }

  next(): Promise<void> {
    return new Promise((r) => (this.waiter = r));
  }
}

// The AllTypes::Info record of fixtures/zeek-8.2.2/logs/scripts/worker.zeek.
const allTypes = z.record({
  ts: z.time, row: z.count, b: z.bool, i: z.int, c: z.count, d: z.double, iv: z.interval, s: z.string,
  a4: z.addr, a6: z.addr, sn: z.subnet, p: z.port, proto: z.enum(), color: z.enum(),
  ss: z.set(z.string), vc: z.vector(z.count), vs: z.vector(z.string), opt: z.optional(z.string),
  inner: z.record({ x: z.count, y: z.optional(z.string) }),
});

describe("log streams", () => {
  it("flattens columns exactly as Zeek sent them for AllTypes::LOG, and rows format like Zeek's logger wrote them", () => {
    const sink = new Collect();
    const log = new Log({ sink });
    const s = log.createStream({ id: "AllTypes::LOG", columns: allTypes });
    const zeek = captureLogBatches().map((b) => decodeLogBatch(b)).find((b) => b.path === "all_types")!;
    assert.equal(s.path, "all_types");
    assert.deepEqual(s.fields, zeek.fields);
    s.write({
      ts: 1700000000.5, row: 1n, b: true, i: 0n, c: 0n, d: 0, iv: 0, s: "plain", a4: "0.0.0.0", a6: "::", sn: "10.0.0.0/8",
      p: "80/tcp", proto: "tcp", color: "AllTypes::RED", ss: ["a", "b"], vc: [1n, 2n, 3n], vs: ["x", "y"], opt: "set", inner: { x: 1n, y: "one" },
    });
    s.write({
      ts: 1700000001.25, row: 2n, b: false, i: -1n, c: 1n, d: 1.5, iv: 1.5, s: "tab\there", a4: "192.168.1.1", a6: "::1", sn: "192.168.0.0/16",
      p: "53/udp", proto: "udp", color: "AllTypes::GREEN", ss: [], vc: [], vs: [], inner: { x: 2n },
    });
    assert.equal(sink.batches.length, 0, "buffered until the flush interval");
    log.close();
    assert.equal(sink.batches.length, 1);
    const b = decodeLogBatch(encodeLogBatch(sink.batches[0]!));
    assert.deepEqual([b.stream, b.writer, b.filter, b.path], ["AllTypes::LOG", "Log::WRITER_ASCII", "default", "all_types"]);
    const fmt = new AsciiLogFormat();
    const want = readFileSync(resolve(LOGS_DIR, "logs-tsv", "all_types.log"), "latin1").split("\n").filter((l) => !l.startsWith("#")).slice(0, 2);
    assert.deepEqual(b.records.map((r) => fmt.record(b.fields, r)), want);
  });

  it("sends a batch at write_buffer_size records and on the flush timer", async () => {
    const sink = new Collect();
    const log = new Log({ sink, writeBufferSize: 3, flushInterval: 0.02 });
    const s = log.createStream({ id: "Test::LOG", columns: z.record({ n: z.count }) });
    for (let i = 0; i < 7; i++) s.write({ n: BigInt(i) });
    assert.deepEqual(sink.batches.map((b) => b.records.length), [3, 3]);
    const keepAlive = setTimeout(() => {}, 10_000); // the flush timer is unref'd, as it must not hold a process open
    await sink.next();
    clearTimeout(keepAlive);
    assert.deepEqual(sink.batches.map((b) => b.records.length), [3, 3, 1]);
    assert.deepEqual(sink.batches.flatMap((b) => b.records.map((r) => r[0])), [0n, 1n, 2n, 3n, 4n, 5n, 6n]);
    log.close();
  });

  it("filters: include/exclude, own path, path function, predicate; one buffer per (filter, path)", () => {
    const sink = new Collect();
    const log = new Log({ sink });
    const s = log.createStream({ id: "HttpStats::LOG", columns: z.record({ host: z.string, n: z.count, id: z.record({ a: z.addr, p: z.port }) }) });
    assert.equal(s.path, "http_stats");
    s.addFilter({ name: "small", path: "hosts", include: ["host", "id.a"] });
    s.addFilter({ name: "split", exclude: ["n"], pathFunc: (r) => `by_port_${r.id.p.split("/")[0]}`, pred: (r) => r.n > 1n });
    s.write({ host: "a", n: 1n, id: { a: "10.0.0.1", p: "80/tcp" } });
    s.write({ host: "b", n: 2n, id: { a: "::ffff:10.0.0.2", p: "443/tcp" } });
    log.flush();
    const by = new Map(sink.batches.map((b) => [`${b.filter}/${b.path}`, b]));
    assert.deepEqual([...by.keys()].sort(), ["default/http_stats", "small/hosts", "split/by_port_443"]);
    assert.deepEqual(by.get("small/hosts")!.fields.map((f) => f.name), ["host", "id.a"]);
    assert.deepEqual(by.get("split/by_port_443")!.fields.map((f) => f.name), ["host", "id.a", "id.p"]);
    const fmt = new AsciiLogFormat();
    const small = by.get("small/hosts")!;
    // v4-mapped addresses go out as IPv4, as Zeek sends them.
    assert.deepEqual(small.records.map((r) => fmt.record(small.fields, r)), ["a\t10.0.0.1", "b\t10.0.0.2"]);
    assert.throws(() => s.addFilter({ name: "x", include: ["nope"] }), ConfigError);
    log.close();
  });

  it("rejects bad records synchronously, naming the column", () => {
    const log = new Log({ sink: new Collect() });
    const s = log.createStream({ id: "T::LOG", columns: z.record({ a: z.count, o: z.optional(z.addr), p: z.port }) });
    // @ts-expect-error a is required
    assert.throws(() => s.write({ p: "1/tcp" }), (e: unknown) => e instanceof EncodeError && /column a of T::LOG is not optional/.test(e.message));
    assert.throws(() => s.write({ a: -1n, p: "1/tcp" }), /a: -1 is out of range for count/);
    assert.throws(() => s.write({ a: 1n, o: "1.2.3", p: "1/tcp" }), (e: unknown) => e instanceof EncodeError && e.path === "o");
    // @ts-expect-error a port is "N/proto"
    assert.throws(() => s.write({ a: 1n, p: 80 }), /p: expected a port like "80\/tcp"/);
    assert.throws(() => log.createStream({ id: "U::LOG", columns: z.record({ t: z.table([z.string], z.count) }) }), /type table cannot be logged/);
    assert.throws(() => log.createStream({ id: "U::LOG", columns: z.record({ v: z.vector(z.vector(z.count)) }) }), /vectors of vector cannot be logged/);
    log.close();
  });

  it("derives default paths like Log::default_path_func", () => {
    assert.equal(defaultPath("Conn::LOG"), "conn");
    assert.equal(defaultPath("AllTypes::LOG"), "all_types");
    assert.equal(defaultPath("DNS::LOG"), "dns");
    assert.equal(defaultPath("Foo::BAR"), "foo_bar");
  });
});
