import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { decodeLogBatch, LogSubnet, LogTypedValue, TypeTag, type LogField, type LogValue } from "../../src/codec/zeek-log/index.js";
import { AsciiLogFormat, asciiTypeName, formatAsciiLogRecord, formatLogTimestamp } from "../../src/logging/format/ascii.js";
import { formatAsciiDouble, formatAsciiTime } from "../../src/logging/format/numbers.js";
import { captureLogBatches, LOGS_DIR } from "../zeek-log/fixtures.js";

const f = (name: string, type: number, subtype = 0): LogField => ({ name, type, subtype, optional: true });
const one = (field: LogField, v: LogValue, fmt = new AsciiLogFormat()): string => fmt.record([field], [v]);
const META_TIME = /^(#(?:open|close)\t).*$/gm;

describe("ASCII logs vs. a real Zeek logger (logs-tsv/)", () => {
  it("feeding the capture's batches reproduces every file apart from #open/#close times", () => {
    const fmt = new AsciiLogFormat();
    const files = new Map<string, string>();
    for (const raw of captureLogBatches()) {
      const b = decodeLogBatch(raw);
      let text = files.get(b.path) ?? fmt.header(b.path, b.fields, "OPEN");
      for (const r of b.records) text += fmt.record(b.fields, r) + "\n";
      files.set(b.path, text);
    }
    assert.equal(files.size, 5);
    for (const [path, text] of files) {
      const got = Buffer.from(text + fmt.close("CLOSE")).toString("latin1").replace(META_TIME, "$1T");
      const want = readFileSync(resolve(LOGS_DIR, "logs-tsv", `${path}.log`)).toString("latin1").replace(META_TIME, "$1T");
      assert.deepEqual(got.split("\n"), want.split("\n"), path);
    }
  });
});

describe("ASCII rendering rules", () => {
  it("doubles, times and intervals", () => {
    const doubles: [number, string][] = [
      [0, "0.0"], [-0, "0.0"], [1e-7, "0"], [-1e-7, "-0"], [5e-324, "0.0"], [1e20, "100000000000000000000.0"],
      [0.0078125, "0.007812"], [0.0234375, "0.023438"], [3.14159265358979, "3.141593"], [NaN, "nan"], [Infinity, "inf"],
      [-Infinity, "-inf"], [2, "2.0"], [-123.456, "-123.456"], [1.0000000001, "1.0"],
    ];
    for (const [x, s] of doubles) assert.equal(formatAsciiDouble(x), s, String(x));
    assert.equal(formatAsciiDouble(1e300).length, 303);
    const times: [number, string][] = [
      [1700000000.5, "1700000000.500000"], [0, "0.000000"], [-0, "-0.000000"], [5e-7, "0.000000"], [-0.000001, "-0.000001"],
      [0.0078125, "0.007812"], [1e21, "1000000000000000000000.000000"], [NaN, "nan"], [-Infinity, "-inf"],
    ];
    for (const [x, s] of times) assert.equal(formatAsciiTime(x), s, String(x));
  });
  it("strings: reserved values, separators, backslash, UTF-8 segments", () => {
    const s = f("s", TypeTag.string);
    assert.equal(one(s, ""), "(empty)");
    assert.equal(one(s, "-"), "\\x2d");
    assert.equal(one(s, "(empty)"), "\\x28empty)");
    assert.equal(one(s, "a\tb,c\\d"), "a\\x09b,c\\\\d");
    assert.equal(one(s, "héllo"), "héllo");
    assert.equal(one(s, "é\n\tx"), "\\xc3\\xa9\\x0a\\x09x"); // the segment before the separator has a control
    assert.equal(one(s, "é\tx\n"), "é\\x09x\\x0a"); // segments are judged separately
    assert.equal(one(s, "#x"), "\\x23x");
    assert.equal(one(s, "héllo", new AsciiLogFormat({ enableUtf8: false })), "h\\xc3\\xa9llo");
  });
  it("containers and unset values", () => {
    const v = f("v", TypeTag.vector, TypeTag.string);
    assert.equal(one(v, []), "(empty)");
    assert.equal(one(v, [""]), "(empty)");
    assert.equal(one(v, ["", ""]), "(empty),(empty)");
    assert.equal(one(v, ["a,b", "-", "(empty)", null, "t\t"]), "a\\x2cb,\\x2d,\\x28empty),-,t\\x09");
    assert.equal(one(v, null), "-");
    assert.equal(one(f("c", TypeTag.table, TypeTag.count), [1n, new LogTypedValue(TypeTag.string, 0, "x")]), "1,x");
    assert.equal(one(f("b", TypeTag.bool), new LogTypedValue(TypeTag.bool, 0, 255n)), "T");
    assert.equal(one(f("n", TypeTag.subnet), LogSubnet.parse("2001:db8::/32")), "2001:db8::/32");
  });
  it("custom separators are escaped and announced in the header", () => {
    const fmt = new AsciiLogFormat({ separator: "|", setSeparator: ";", emptyField: "EMPTY", unsetField: "NONE" });
    const fields = [f("a", TypeTag.string), f("b", TypeTag.vector, TypeTag.string), f("c", TypeTag.count)];
    assert.equal(fmt.record(fields, ["x|y;z", ["p;q", "", "|"], null]), "x\\x7cy;z|p\\x3bq;EMPTY;\\x7c|NONE");
    assert.equal(fmt.record(fields, ["NONE", [], 1n]), "\\x4eONE|EMPTY|1");
    assert.equal(
      fmt.header("my path", fields, "2024-05-01-12-00-00"),
      "#separator |\n#set_separator|;\n#empty_field|EMPTY\n#unset_field|NONE\n#path|my\\x20path\n#open|2024-05-01-12-00-00\n#fields|a|b|c\n#types|string|vector[string]|count\n",
    );
    assert.equal(fmt.close("2024-05-01-13-00-00"), "#close|2024-05-01-13-00-00\n");
  });
  it("tsv mode: names line only, no #close", () => {
    const fmt = new AsciiLogFormat({ tsv: true });
    assert.equal(fmt.header("conn", [f("ts", TypeTag.time), f("uid", TypeTag.string)], new Date()), "ts\tuid\n");
    assert.equal(fmt.close(new Date()), "");
  });
  it("type names and timestamps", () => {
    assert.equal(asciiTypeName(f("t", TypeTag.table, TypeTag.addr)), "set[addr]");
    assert.equal(asciiTypeName(f("t", 99)), "type_name(): not a type tag");
    assert.equal(formatLogTimestamp(new Date(2024, 4, 1, 2, 3, 4)), "2024-05-01-02-03-04");
    assert.equal(formatAsciiLogRecord([f("a", TypeTag.int), f("b", TypeTag.int)], [-1n, null]), "-1\t-");
  });
});
