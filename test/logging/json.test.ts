import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { decodeLogBatch, LogAddr, LogPort, LogSubnet, LogTypedValue, TypeTag, type LogField, type LogValue } from "../../src/codec/zeek-log/index.js";
import { formatJsonLogRecord } from "../../src/logging/format/json.js";
import { formatJsonDouble } from "../../src/logging/format/numbers.js";
import { captureLogBatches, LOGS_DIR } from "../zeek-log/fixtures.js";

const f = (name: string, type: number, subtype = 0): LogField => ({ name, type, subtype, optional: true });
const one = (field: LogField, v: LogValue): string => formatJsonLogRecord([field], [v]);

describe("JSON log lines vs. a real Zeek logger (logs-json/)", () => {
  it("every record of the capture equals Zeek's line byte for byte", () => {
    const lines = new Map<string, Buffer[]>();
    for (const raw of captureLogBatches()) {
      const b = decodeLogBatch(raw);
      const list = lines.get(b.path) ?? [];
      for (const r of b.records) list.push(Buffer.from(formatJsonLogRecord(b.fields, r)));
      lines.set(b.path, list);
    }
    assert.deepEqual([...lines.keys()].sort(), ["all_types", "conn", "dns", "http", "reporter"]);
    for (const [path, got] of lines) {
      const file = readFileSync(resolve(LOGS_DIR, "logs-json", `${path}.log`));
      const want = Buffer.concat(got.flatMap((l) => [l, Buffer.from("\n")]));
      assert.deepEqual(want.toString("latin1").split("\n"), file.toString("latin1").split("\n"), path);
      assert.ok(want.equals(file), path);
    }
  });
});

describe("JSON rendering rules", () => {
  it("leading keys come first, unset fields are omitted or null", () => {
    const fields = [f("a", TypeTag.count), f("b", TypeTag.string)];
    assert.equal(formatJsonLogRecord(fields, [1n, null], [["_path", "conn"], ["_write_ts", "x\"y"]]), '{"_path":"conn","_write_ts":"x\\"y","a":1}');
    assert.equal(formatJsonLogRecord(fields, [null, null]), "{}");
    assert.equal(formatJsonLogRecord(fields, [null, "x"], undefined, { includeUnset: true }), '{"a":null,"b":"x"}');
  });
  it("doubles as rapidjson prints them, NaN and infinities as null", () => {
    const cases: [number, string][] = [
      [0, "0.0"], [-0, "-0.0"], [1, "1.0"], [1.5, "1.5"], [1e20, "100000000000000000000.0"], [1e21, "1e21"],
      [1e300, "1e300"], [1.5e300, "1.5e300"], [5e-324, "5e-324"], [1e-7, "1e-7"], [1.25e-7, "1.25e-7"],
      [0.000001, "0.000001"], [123e-8, "0.00000123"], [-2.5, "-2.5"], [1700000000.5, "1700000000.5"], [0.1, "0.1"],
    ];
    for (const [x, s] of cases) assert.equal(formatJsonDouble(x), s, String(x));
    for (const x of [NaN, Infinity, -Infinity]) assert.equal(one(f("d", TypeTag.double), x), '{"d":null}');
    assert.equal(one(f("i", TypeTag.interval), -180), '{"i":-180.0}');
  });
  it("time formats", () => {
    const t = f("ts", TypeTag.time);
    const fmt = (v: number, timestamps: "JSON::TS_EPOCH" | "JSON::TS_MILLIS" | "JSON::TS_MILLIS_UNSIGNED" | "JSON::TS_ISO8601"): string =>
      formatJsonLogRecord([t], [v], undefined, { timestamps });
    assert.equal(fmt(1700000000.5, "JSON::TS_EPOCH"), '{"ts":1700000000.5}');
    assert.equal(fmt(1700000000.5, "JSON::TS_MILLIS"), '{"ts":1700000000500}');
    assert.equal(fmt(-1.5, "JSON::TS_MILLIS_UNSIGNED"), '{"ts":18446744073709550116}');
    assert.equal(fmt(1300475173.475401, "JSON::TS_ISO8601"), '{"ts":"2011-03-18T19:06:13.475401Z"}');
  });
  it("strings: escapes, valid UTF-8 passes, anything odd turns every non-ASCII byte into \\\\xHH", () => {
    const s = f("s", TypeTag.string);
    const b = (...x: number[]): Uint8Array => Uint8Array.from(x);
    assert.equal(one(s, "tab\there \"q\" back\\ /"), '{"s":"tab\\there \\"q\\" back\\\\ /"}');
    assert.equal(one(s, "b\bf\fn\nr\r"), '{"s":"b\\bf\\fn\\nr\\r"}');
    assert.equal(one(s, "héllo ✓ 🎉"), '{"s":"héllo ✓ 🎉"}');
    assert.equal(one(s, "é\x01"), '{"s":"\\\\xc3\\\\xa9\\\\x01"}');
    assert.equal(one(s, b(0x7f)), '{"s":"\\\\x7f"}');
    assert.equal(one(s, b(0xc3, 0x28)), '{"s":"\\\\xc3("}');
    assert.equal(one(s, b(0xed, 0xa0, 0x80)), '{"s":"\\\\xed\\\\xa0\\\\x80"}'); // surrogate
    assert.equal(one(s, "\u{e000}"), '{"s":"\\\\xee\\\\x80\\\\x80"}'); // private use
    assert.equal(one(s, "\u0085"), '{"s":"\\\\xc2\\\\x85"}'); // C1 control
    assert.equal(one(s, "é\n"), '{"s":"é\\n"}');
    assert.equal(one(s, ""), '{"s":""}');
  });
  it("addresses, subnets, ports, bools, containers", () => {
    assert.equal(one(f("a", TypeTag.addr), new LogAddr(6, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4))), '{"a":"::ffff:1.2.3.4"}');
    assert.equal(one(f("n", TypeTag.subnet), LogSubnet.parse("10.0.0.0/8")), '{"n":"10.0.0.0/8"}');
    assert.equal(one(f("p", TypeTag.port), LogPort.of(443, "tcp")), '{"p":443}');
    assert.equal(one(f("b", TypeTag.bool), new LogTypedValue(TypeTag.bool, 0, 255n)), '{"b":true}');
    assert.equal(one(f("v", TypeTag.vector, TypeTag.count), [1n, null, 2n ** 64n - 1n]), '{"v":[1,null,18446744073709551615]}');
    assert.equal(one(f("v", TypeTag.table, TypeTag.string), []), '{"v":[]}');
  });
});
