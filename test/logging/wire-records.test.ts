// Formatting straight from serialized batches (src/logging/wire-records.ts) must be
// indistinguishable from decoding and formatting: same bytes, same rejects, same errors.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeLogBatch, decodeLogBatchHeader, encodeLogBatch, LogAddr, LogPort, LogTypedValue, TypeTag, type LogBatch, type LogField, type LogValue } from "../../src/codec/zeek-log/index.js";
import { logFormat, type LogFormat, type LogFormatOptions } from "../../src/logging/format/registry.js";
import { ByteSink } from "../../src/logging/sink.js";
import { DecodeError } from "../../src/errors.js";
import { AsciiLogFormat } from "../../src/logging/format/ascii.js";
import { WireJsonWriter, WireTsvWriter } from "../../src/logging/wire-records.js";
import { makeConnLikeBatch } from "../zeek-log/conn-like.js";
import { captureLogBatches } from "../zeek-log/fixtures.js";
import { zeekBenchBatches } from "./zeek-bench.js";

interface Outcome {
  n: number;
  bytes: string;
  rejects: number[];
  error?: string;
}

function viaDecode(f: LogFormat, payload: Buffer, maxBytes = Infinity): Outcome {
  const sink = new ByteSink();
  const rejects: number[] = [];
  try {
    const b = decodeLogBatch(payload);
    const n = f.write(sink, b.records, (_e, r) => rejects.push(r), maxBytes);
    return { n, bytes: Buffer.concat(sink.take()).toString("latin1"), rejects };
  } catch (e) {
    assert.ok(e instanceof DecodeError, String(e));
    return { n: 0, bytes: "", rejects: [], error: e.code };
  }
}

function viaWire(f: LogFormat, payload: Buffer, maxBytes = Infinity): Outcome {
  const sink = new ByteSink();
  const rejects: number[] = [];
  const mark = sink.mark();
  try {
    const h = decodeLogBatchHeader(payload);
    const n = f.writeSerialized!(sink, payload, h.offset, h.count, (_e, r) => rejects.push(r), maxBytes);
    return { n, bytes: Buffer.concat(sink.take()).toString("latin1"), rejects };
  } catch (e) {
    assert.ok(e instanceof DecodeError, String(e));
    sink.rollback(mark);
    assert.equal(sink.length, 0);
    return { n: 0, bytes: "", rejects: [], error: e.code };
  }
}

const FORMATS: [string, LogFormatOptions][] = [
  ["tsv", {}],
  ["json", {}],
  ["json", { json: { includeUnset: true } }],
];

function formatFor(name: string, o: LogFormatOptions, payload: Buffer): LogFormat {
  const h = decodeLogBatchHeader(payload);
  return logFormat(name).create(h.path, h.fields, o);
}

const f = (name: string, type: number, subtype = 0): LogField => ({ name, type, subtype, optional: true });

/** Values that must leave the byte path (escapes, typed values, big numbers, nesting...). */
function awkwardBatch(): LogBatch {
  const fields = [f("s", TypeTag.string), f("c", TypeTag.count), f("i", TypeTag.int), f("t", TypeTag.time), f("d", TypeTag.double), f("b", TypeTag.bool), f("a", TypeTag.addr), f("set", TypeTag.table, TypeTag.string), f("v", TypeTag.vector, TypeTag.count), f("p", TypeTag.port)];
  const enc = (s: string): Uint8Array => Buffer.from(s, "latin1");
  const rows: LogValue[][] = [
    [enc("plain"), 1n, -1n, 1700000000.5, 0.1, true, LogAddr.parse("10.0.0.1"), [enc("a"), enc("b")], [1n, 2n], LogPort.of(80, "tcp")],
    [enc("#meta"), 0n, 0n, 0, -0, false, LogAddr.parse("::1"), [], [], LogPort.of(0, "udp")],
    [enc("-"), 2n ** 64n - 1n, -(2n ** 63n), -1.25, 1e300, null, LogAddr.parse("2001:db8::ff00:42:8329"), [enc(""), enc("x,y"), enc("-")], null, null],
    [enc("(empty)"), 2n ** 53n, 2n ** 53n - 1n, 1700000000.0000005, NaN, true, null, [enc("é"), enc("\\")], [0n], LogPort.of(65535, "icmp")],
    [enc("tab\there"), null, null, 1e-7, Infinity, false, LogAddr.parse("::ffff:1.2.3.4"), null, [2n ** 40n], LogPort.of(1, "unknown")],
    [enc("quote\"back"), 12345678901n, -12345678901n, 123456789.1234565, 2.5, true, LogAddr.parse("0.0.0.0"), [enc("ok")], [], new LogPort(2 ** 40 + 3, 1)],
    [enc("\xff\xfe bad utf8"), 5n, new LogTypedValue(TypeTag.count, 0, 7n), 1.0000005, 3, new LogTypedValue(TypeTag.bool, 0, 255n), LogAddr.parse("1.2.3.4"), [new LogTypedValue(TypeTag.count, 0, 1n)], [3n], LogPort.of(53, "udp")],
    [new LogTypedValue(TypeTag.string, 5, enc("sub")), 1n, 1n, 1, 1, true, LogAddr.parse("1.1.1.1"), [enc("z")], [1n], LogPort.of(1, "tcp")],
  ];
  return { stream: "T::LOG", writer: "Log::WRITER_ASCII", filter: "default", path: "awkward", fields, records: rows };
}

describe("formatting serialized batches", () => {
  const inputs: [string, Buffer][] = [
    ...zeekBenchBatches().map((b, i): [string, Buffer] => [`logs-bench #${i}`, b]),
    ...captureLogBatches().map((b, i): [string, Buffer] => [`logs.capture #${i}`, b]),
    ["conn-like", encodeLogBatch(makeConnLikeBatch(500))],
    ["awkward", encodeLogBatch(awkwardBatch())],
  ];

  it("writes the same bytes as decode + format for real Zeek batches and awkward values", () => {
    for (const [fmt, o] of FORMATS)
      for (const [name, p] of inputs) {
        const form = formatFor(fmt, o, p);
        assert.ok(form.writeSerialized, `${fmt} reads serialized batches`);
        assert.deepEqual(viaWire(form, p), viaDecode(form, p), `${fmt} ${JSON.stringify(o)} ${name}`);
      }
  });

  it("real Zeek batches take the byte path (no record is decoded)", () => {
    // 1,000-record zperf_conn batches, including the empty set[string] column tunnel_parents.
    const p = zeekBenchBatches().find((b) => b.length > 100_000)!;
    const h = decodeLogBatchHeader(p);
    assert.equal(h.fields.at(-1)!.name, "tunnel_parents");
    assert.equal(h.fields.at(-1)!.type, TypeTag.table);
    for (const w of [new WireTsvWriter(new AsciiLogFormat(), h.fields), new WireJsonWriter(h.fields, {})]) {
      const n = w.write(new ByteSink(), p, h.offset, h.count, () => assert.fail("reject"), Infinity);
      assert.equal(n, 1000);
      assert.equal(w.slowRecords, 0);
    }
    // The awkward batch's records all need the reference path but the first, the sixth
    // (printable strings, numbers below 2^53, set elements without separators) and the last
    // (a subtype on a string value does not change its output).
    const a = encodeLogBatch(awkwardBatch());
    const ah = decodeLogBatchHeader(a);
    const tsv = new WireTsvWriter(new AsciiLogFormat(), ah.fields);
    const sink = new ByteSink();
    tsv.write(sink, a, ah.offset, ah.count, () => {}, Infinity);
    assert.equal(tsv.slowRecords, ah.count - 3);
    assert.match(Buffer.concat(sink.take()).toString("latin1"), /\t1099511627779\n/);
  });

  it("keeps the amplification limit", () => {
    const p = zeekBenchBatches().find((b) => b.length > 100_000)!;
    for (const [fmt, o] of FORMATS) {
      const form = formatFor(fmt, o, p);
      assert.equal(viaWire(form, p, 1000).n, -1);
      assert.deepEqual(viaWire(form, p, 1000), viaDecode(form, p, 1000));
    }
  });

  it("refuses malformed bytes exactly as the decoder does (truncations, flips, trailing bytes)", () => {
    const bases = [encodeLogBatch(awkwardBatch()), encodeLogBatch(makeConnLikeBatch(20)), captureLogBatches().at(-1)!];
    let seed = 0x9e3779b9;
    const rnd = (m: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % m;
    };
    let errors = 0;
    for (const base of bases) {
      const h = decodeLogBatchHeader(base);
      const variants: Buffer[] = [Buffer.concat([base, Buffer.of(0)])];
      for (let k = 0; k < 60; k++) variants.push(base.subarray(0, h.offset + rnd(base.length - h.offset)));
      for (let k = 0; k < 300; k++) {
        const v = Buffer.from(base);
        const at = h.offset + rnd(base.length - h.offset);
        v[at] = rnd(4) === 0 ? 0xff : rnd(256);
        variants.push(v);
      }
      for (const v of variants) {
        let head;
        try {
          head = decodeLogBatchHeader(v);
        } catch {
          continue;
        }
        for (const [fmt, o] of FORMATS) {
          const form = logFormat(fmt).create(head.path, head.fields, o);
          const want = viaDecode(form, v);
          if (want.error) errors++;
          assert.deepEqual(viaWire(form, v), want);
        }
      }
    }
    assert.ok(errors > 100, `only ${errors} malformed variants`);
  });
});
