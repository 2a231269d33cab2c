import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DecodeError, EncodeError } from "../../src/errors.js";
import {
  decodeLogBatch,
  encodeLogBatch,
  LogAddr,
  LogPort,
  LogSubnet,
  LogTypedValue,
  TypeTag,
  type LogBatch,
  type LogField,
  type LogValue,
} from "../../src/codec/zeek-log/index.js";
import { makeConnLikeBatch } from "./conn-like.js";
import { captureLogBatches, GOLDEN_LOG_BATCH } from "./fixtures.js";

const enc = new TextEncoder();
const field = (name: string, type: number, subtype = 0, optional = false): LogField => ({ name, type, subtype, optional });
const batchOf = (fields: LogField[], records: LogValue[][]): LogBatch => ({
  stream: "Test::LOG",
  writer: "Log::WRITER_ASCII",
  filter: "default",
  path: "test",
  fields,
  records,
});
function roundTrip(b: LogBatch): LogBatch {
  const bytes = encodeLogBatch(b);
  const d = decodeLogBatch(bytes);
  assert.deepEqual(encodeLogBatch(d), bytes, "re-encode is byte-identical");
  return d;
}
function rejects(bytes: Uint8Array, code?: string): DecodeError {
  let err: unknown;
  try {
    decodeLogBatch(bytes);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof DecodeError, `expected DecodeError, got ${String(err)}`);
  assert.equal(err.format, "zeek-bin-serializer");
  if (code) assert.equal(err.code, code, err.message);
  return err;
}

describe("zeek-bin-serializer golden vector (wire.md §4.3)", () => {
  it("decodes to Zeek's values, keeping Value subtype 22", () => {
    assert.equal(GOLDEN_LOG_BATCH.length, 116);
    const b = decodeLogBatch(GOLDEN_LOG_BATCH);
    assert.equal(b.stream, "Log::UNKNOWN");
    assert.equal(b.writer, "Log::WRITER_NONE");
    assert.equal(b.filter, "default");
    assert.equal(b.path, "my-path");
    assert.deepEqual(b.fields, [{ name: "ts", type: TypeTag.time, subtype: TypeTag.error, optional: false }]);
    assert.deepEqual(b.records, [[new LogTypedValue(5, 22, 1.0)], [new LogTypedValue(5, 22, 2.0)]]);
  });
  it("re-encodes byte-identically", () => {
    assert.deepEqual(encodeLogBatch(decodeLogBatch(GOLDEN_LOG_BATCH)), GOLDEN_LOG_BATCH);
  });
});

describe("real Zeek 8.2.2 capture (logs.capture.jsonl)", () => {
  const batches = captureLogBatches();
  it("has 58 batches that all round-trip byte-identically", () => {
    assert.equal(batches.length, 58);
    for (const [i, raw] of batches.entries()) assert.deepEqual(encodeLogBatch(decodeLogBatch(raw)), raw, `batch ${i}`);
  });
  it("holds the README's record counts per path", () => {
    const counts: Record<string, number> = {};
    for (const raw of batches) {
      const b = decodeLogBatch(raw);
      assert.equal(b.writer, "Log::WRITER_ASCII");
      assert.equal(b.filter, "default");
      counts[b.path] = (counts[b.path] ?? 0) + b.records.length;
    }
    assert.deepEqual(counts, { all_types: 20, dns: 34, http: 14, reporter: 1, conn: 34 });
  });
  it("decodes the AllTypes edge values exactly", () => {
    const b = decodeLogBatch(batches[0]!);
    assert.equal(b.path, "all_types");
    const col = (name: string): LogValue[] => {
      const i = b.fields.findIndex((f) => f.name === name);
      return b.records.map((r) => r[i]!);
    };
    assert.deepEqual(b.fields.find((f) => f.name === "vs"), { name: "vs", type: 19, subtype: 7, optional: false });
    assert.equal(col("i")[2], -(2n ** 63n));
    assert.equal(col("i")[3], 2n ** 63n - 1n);
    assert.equal(col("c")[2], 2n ** 64n - 1n);
    assert.equal(col("c")[3], 2n ** 53n + 1n);
    assert.ok(Object.is(col("d")[6], -0));
    assert.ok(Number.isNaN(col("d")[10]));
    assert.equal(col("d")[12], -Infinity);
    const a6 = col("a6")[5] as LogAddr; // [::ffff:0:1] is sent as IPv4
    assert.equal(a6.family, 4);
    assert.equal(a6.toString(), "0.0.0.1");
    assert.equal((col("sn")[0] as LogSubnet).toString(), "10.0.0.0/8");
    assert.deepEqual(col("p")[0], new LogPort(80, 1));
    assert.deepEqual(Buffer.from(col("s")[17] as Uint8Array), Buffer.from("invalid utf8 \xc3( and \xe2\x82", "latin1"));
    assert.equal(col("opt")[1], null);
    assert.deepEqual(col("ss")[1], []);
  });
});

describe("hand-made batches", () => {
  it("empty batch, 0 fields, 0 fields with records", () => {
    assert.deepEqual(roundTrip(batchOf([], [])).records, []);
    assert.deepEqual(roundTrip(batchOf([], [[], [], []])).records, [[], [], []]);
    assert.deepEqual(roundTrip({ ...batchOf([], []), stream: "", writer: "", filter: "", path: "" }).path, "");
  });
  it("integer limits, doubles and booleans", () => {
    const fields = [field("i", TypeTag.int), field("c", TypeTag.count), field("d", TypeTag.double), field("t", TypeTag.time), field("b", TypeTag.bool)];
    const recs: LogValue[][] = [
      [-(2n ** 63n), 2n ** 64n - 1n, -0, Infinity, true],
      [2n ** 63n - 1n, 0n, NaN, -Infinity, false],
      [-1n, 2n ** 32n, 5e-324, 1.7976931348623157e308, false],
    ];
    const d = roundTrip(batchOf(fields, recs));
    assert.deepEqual(d.records, recs);
    assert.ok(Object.is(d.records[0]![2], -0));
  });
  it("a NaN with the sign bit set keeps its bits", () => {
    const bytes = encodeLogBatch(batchOf([field("d", TypeTag.double)], [[1.5]]));
    bytes.writeUInt32BE(0xfff80000, bytes.length - 8);
    assert.deepEqual(encodeLogBatch(decodeLogBatch(bytes)), bytes);
  });
  it("v4 and v6 addresses and subnets, ports", () => {
    const fields = [field("a", TypeTag.addr), field("s", TypeTag.subnet), field("p", TypeTag.port)];
    const recs: LogValue[][] = [
      [LogAddr.parse("192.0.2.1"), LogSubnet.parse("10.0.0.0/8"), LogPort.of(53, "udp")],
      [LogAddr.parse("2001:db8::1"), LogSubnet.parse("2001:db8::/32"), LogPort.of(0, "unknown")],
      [LogAddr.parse("::ffff:192.0.2.1"), LogSubnet.parse("::/0"), LogPort.of(65535, "icmp")],
    ];
    const bytes = encodeLogBatch(batchOf(fields, recs));
    const d = roundTrip(batchOf(fields, recs));
    assert.deepEqual(d.records.map((r) => r.map(String)), [
      ["192.0.2.1", "10.0.0.0/8", "53/udp"],
      ["2001:db8::1", "2001:db8::/32", "0/unknown"],
      ["::ffff:192.0.2.1", "::/0", "65535/icmp"],
    ]);
    assert.equal((d.records[2]![0] as LogAddr).family, 6);
    // v4 subnet length is IPv6-relative on the wire: 8 + 96 = 0x68.
    assert.ok(bytes.includes(Buffer.from("0168040a000000", "hex")));
  });
  it("containers: empty, with unset elements, nested (as typed values)", () => {
    const fields = [field("ss", TypeTag.table, TypeTag.string), field("vc", TypeTag.vector, TypeTag.count, true)];
    const nested = new LogTypedValue(TypeTag.vector, 0, [new LogTypedValue(TypeTag.count, 0, 1n)]);
    const recs: LogValue[][] = [
      [[], []],
      [[enc.encode(""), enc.encode("-"), null], [1n, null, 2n ** 64n - 1n]],
      [[new LogTypedValue(TypeTag.count, 0, 7n)], null],
      [[], [nested]],
    ];
    assert.deepEqual(roundTrip(batchOf(fields, recs)).records, recs);
  });
  it("non-UTF-8 strings survive as raw bytes", () => {
    const raw = Uint8Array.of(0x00, 0xff, 0xc3, 0x28, 0xe2, 0x82, 0x7f);
    const d = roundTrip(batchOf([field("s", TypeTag.string)], [[raw]]));
    assert.deepEqual(d.records[0]![0], raw);
  });
  it("keeps odd Values exactly: bool 255, typed unset, other subtypes, secondary name", () => {
    const fields: LogField[] = [{ ...field("b", TypeTag.bool), secondaryName: "two" }, field("x", TypeTag.string)];
    const recs: LogValue[][] = [[new LogTypedValue(TypeTag.bool, 0, 255n), new LogTypedValue(TypeTag.string, 3, enc.encode("a"))]];
    const d = roundTrip(batchOf(fields, recs));
    assert.deepEqual(d.records, recs);
    assert.equal(d.fields[0]!.secondaryName, "two");
    const unset = roundTrip(batchOf([field("x", TypeTag.string)], [[new LogTypedValue(TypeTag.pattern, 0, null)]]));
    assert.deepEqual(unset.records[0], [new LogTypedValue(TypeTag.pattern, 0, null)]);
  });
  it("accepts convenient input forms when encoding", () => {
    const fields = [field("c", TypeTag.count), field("s", TypeTag.string), field("a", TypeTag.addr), field("n", TypeTag.subnet)];
    const d = decodeLogBatch(encodeLogBatch(batchOf(fields, [[5, "héllo", "10.1.2.3", "192.168.0.0/16"]])));
    assert.deepEqual(d.records[0]!.slice(0, 2), [5n, enc.encode("héllo")]);
    assert.equal(String(d.records[0]![2]), "10.1.2.3");
    assert.equal(String(d.records[0]![3]), "192.168.0.0/16");
  });
  it("rejects values that do not fit their column with EncodeError naming the spot", () => {
    const cases: [LogField, LogValue, RegExp][] = [
      [field("c", TypeTag.count), -1n, /records\[0\]\.c: count -1 is outside uint64/],
      [field("i", TypeTag.int), 2n ** 63n, /outside int64/],
      [field("c", TypeTag.count), 1.5, /must be a bigint/],
      [field("a", TypeTag.addr), "300.1.1.1", /not an IPv4 address/],
      [field("p", TypeTag.pattern), enc.encode("x"), /cannot be a present log value/],
      [field("v", TypeTag.vector, TypeTag.count), [1n, "x"], /records\[0\]\.v\[1\]/],
    ];
    for (const [f, v, re] of cases) assert.throws(() => encodeLogBatch(batchOf([f], [[v]])), (e: unknown) => e instanceof EncodeError && re.test(e.message));
    assert.throws(() => encodeLogBatch(batchOf([field("a", 3)], [[]])), EncodeError);
  });
  it("makeConnLikeBatch batches round-trip", () => {
    const b = makeConnLikeBatch(100);
    assert.equal(b.fields.length, 20);
    assert.equal(b.records.length, 100);
    roundTrip(b);
  });
});

describe("decoder rejects bad input with DecodeError", () => {
  const real = captureLogBatches()[0]!;
  it("every truncation of the golden vector and a real batch", () => {
    for (const src of [GOLDEN_LOG_BATCH, real])
      for (let n = 0; n < src.length; n++) {
        const e = rejects(src.subarray(0, n));
        assert.ok(e.offset <= n, `offset ${e.offset} within ${n}`);
      }
  });
  it("trailing bytes", () => {
    rejects(Buffer.concat([GOLDEN_LOG_BATCH, Buffer.of(0)]), "trailing");
  });
  const patched = (at: number, hex: string): Buffer => {
    const b = Buffer.from(GOLDEN_LOG_BATCH);
    Buffer.from(hex, "hex").copy(b, at);
    return b;
  };
  it("oversized and negative lengths and counts", () => {
    rejects(patched(0, "7fffffff"), "too-large"); // stream name length
    rejects(patched(0, "ffffffff"), "invalid"); // negative length
    rejects(patched(58, "ffffffff"), "too-large"); // field count
    rejects(patched(78, "00ffffff"), "too-large"); // record count
  });
  it("bad flags, tags, families and protocols", () => {
    rejects(patched(62, "02"), "bad-tag"); // have_2nd
    rejects(patched(90, "02"), "bad-tag"); // present
    rejects(patched(82, "00000008"), "bad-tag"); // pattern value
    const addr = encodeLogBatch(batchOf([field("a", TypeTag.addr)], [["1.2.3.4"]]));
    addr[addr.length - 5] = 5;
    rejects(addr, "bad-tag");
    const port = encodeLogBatch(batchOf([field("p", TypeTag.port)], [[LogPort.of(1, "tcp")]]));
    port[port.length - 1] = 4;
    rejects(port, "bad-tag");
  });
  it("huge container counts and deep nesting", () => {
    const v = encodeLogBatch(batchOf([field("v", TypeTag.vector, TypeTag.count)], [[[]]]));
    v.writeUInt32BE(0x7fffffff, v.length - 8);
    rejects(v, "too-large");
    v.writeUInt32BE(0xffffffff, v.length - 8);
    v.writeUInt32BE(0xffffffff, v.length - 4);
    rejects(v, "invalid");
    let deep: LogValue = new LogTypedValue(TypeTag.vector, 0, []);
    for (let i = 0; i < 20; i++) deep = new LogTypedValue(TypeTag.vector, 0, [deep]);
    const bytes = encodeLogBatch(batchOf([field("v", TypeTag.vector, TypeTag.void)], [[deep]]));
    rejects(bytes, "too-deep");
    assert.doesNotThrow(() => decodeLogBatch(bytes, { maxDepth: 32 }));
  });
  it("zero-field batches are bounded by maxRecords", () => {
    const b = encodeLogBatch(batchOf([], []));
    b.writeUInt32BE(0xffffffff, b.length - 4);
    rejects(b, "too-large");
  });
  it("non-UTF-8 names", () => {
    const b = Buffer.from(GOLDEN_LOG_BATCH);
    b[4] = 0xff;
    rejects(b, "invalid");
  });
});
