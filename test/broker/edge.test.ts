// Hand-made edge cases for the Broker codecs: limits, special doubles, addresses, hostile input.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeData, encodeData } from "../../src/codec/broker/bin.js";
import { packReal, unpackReal } from "../../src/codec/broker/caf-real.js";
import { data, type Data } from "../../src/codec/broker/data.js";
import { dataToJsonText, decodeJsonData, encodeJsonData, formatTimespan, formatTimestamp } from "../../src/codec/broker/json.js";
import { formatFixed } from "../../src/codec/number-format.js";
import { DecodeError } from "../../src/errors.js";

const hex = (h: string) => Buffer.from(h.replace(/ /g, ""), "hex");
const rt = (d: Data) => assert.deepEqual(decodeData(encodeData(d)), d);

test("edge - empty containers, integer limits and nesting round-trip", () => {
  rt(data.vector([]));
  rt(data.set([]));
  rt(data.table([]));
  rt(data.vector([data.vector([data.vector([])])]));
  for (const v of [0n, 1n, 2n ** 53n + 1n, 2n ** 64n - 1n]) rt(data.count(v));
  for (const v of [-(2n ** 63n), -1n, 2n ** 63n - 1n]) rt(data.integer(v));
  assert.deepEqual(encodeData(data.count(42)), hex("02 00 00 00 00 00 00 00 2a"));
  assert.deepEqual(encodeData(data.integer(-1)), hex("03 ff ff ff ff ff ff ff ff"));
  assert.throws(() => encodeData(data.count(2n ** 64n)), /out of range/);
  assert.throws(() => encodeData(data.integer(2n ** 63n)), /out of range/);
});

test("edge - varbyte lengths are minimal LEB128 (127, 128, 300, 16384)", () => {
  for (const [n, h] of [[127, "7f"], [128, "80 01"], [300, "ac 02"], [16384, "80 80 01"]] as const) {
    const enc = encodeData(data.string("x".repeat(n)));
    assert.deepEqual(enc.subarray(1, 1 + hex(h).length), hex(h));
    rt(data.string("x".repeat(n)));
  }
});

test("edge - doubles use CAF's packing: specials, -0, subnormals exactly as Zeek sends them", () => {
  const bits = (x: number) => {
    const b = Buffer.alloc(8);
    packReal(x, b, 0);
    return b.toString("hex");
  };
  assert.equal(bits(Infinity), "fff0000000000000");
  assert.equal(bits(-Infinity), "7ff0000000000000");
  assert.equal(bits(NaN), "ffffffffffffffff");
  assert.equal(bits(-0), "8000000000000000");
  assert.equal(bits(1.5), "3ff8000000000000");
  assert.equal(bits(5e-324), "fcd0000000000000"); // observed from Zeek 8.2.2
  assert.equal(bits(1e-310), "ff92688b70e62b00"); // observed from Zeek 8.2.2
  assert.equal(unpackReal(hex("fcd0000000000000"), 0), -1.5966722476277758e293);
  assert.equal(unpackReal(hex("7ff8000000000000"), 0), Infinity, "IEEE quiet NaN is not special to CAF");
  assert.equal(unpackReal(hex("7ff0000000000000"), 0), -Infinity);
  assert.ok(Object.is(unpackReal(hex("8000000000000000"), 0), -0));
  assert.ok(unpackReal(hex("0000000000000001"), 0) > 0, "exponent 0 is scaled like a normal number");
  for (const x of [0.1, -2.25, Math.PI, 1e300, 2.2250738585072014e-308, Number.MAX_VALUE]) assert.equal(unpackReal(hex(bits(x)), 0), x);
});

test("edge - addresses: v4-mapped, CAF's IPv6 text, subnets masked with v6-relative length", () => {
  const a = decodeJsonData('{"@data-type":"address","data":"::ffff:1.2.3.4"}');
  assert.equal(dataToJsonText(a), '{"@data-type":"address","data":"1.2.3.4"}');
  const b = decodeJsonData('{"@data-type":"address","data":"::1.2.3.4"}');
  assert.equal(dataToJsonText(b), '{"@data-type":"address","data":"::102:304"}');
  const c = decodeJsonData('{"@data-type":"address","data":"2001:0:0:1:0:0:0:1"}');
  assert.equal(dataToJsonText(c), '{"@data-type":"address","data":"2001:0:0:1::1"}');
  const s = decodeJsonData('{"@data-type":"subnet","data":"10.1.2.3/8"}');
  assert.deepEqual(encodeData(s), hex("07 00000000000000000000ffff0a000000 68"));
  assert.equal(dataToJsonText(s), '{"@data-type":"subnet","data":"10.0.0.0/8"}');
});

test("edge - strings are raw bytes: non-UTF-8 survives binary and wire JSON, prints as \\xHH", () => {
  const s = data.string(Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x0b, 0xe2, 0x9c, 0x93]));
  rt(s);
  assert.deepEqual(decodeJsonData(encodeJsonData(s)), s);
  assert.equal(dataToJsonText(s), '{"@data-type":"string","data":"\\u0000\\\\xff\\\\xc3(\\u000b✓"}');
});

test("edge - Broker JSON text of reals, timestamps and timespans", () => {
  assert.equal(formatFixed(0.0078125, 6), "0.007812", "ties to even like glibc");
  assert.equal(formatFixed(-0, 6), "-0.000000");
  assert.equal(formatFixed(1e21, 0), "1000000000000000000000");
  assert.equal(formatFixed(1e-300, 6), "0.000000");
  assert.equal(formatTimestamp(-1_500_000_000n), "1969-12-31T23:59:59.000");
  assert.equal(formatTimestamp(1_700_000_000_001_000_000n - 72n), "2023-11-14T22:13:20.000");
  assert.equal(formatTimespan(-120_000_000_000n), "-120s");
  assert.equal(formatTimespan(1_500n), "1500ns");
  assert.equal(formatTimespan(0n), "0s");
  assert.deepEqual(decodeJsonData('{"@data-type":"timespan","data":"2min"}'), { type: "timespan", value: 120_000_000_000n });
  assert.deepEqual(decodeJsonData('{"@data-type":"timestamp","data":"2023-11-14T22:13:20.5"}'), { type: "timestamp", value: 1_700_000_000_500_000_000n });
  assert.deepEqual(decodeJsonData('{"@data-type":"real","data":"nan"}').type, "real");
  assert.deepEqual(decodeJsonData('{"@data-type":"port","data":"42/?"}'), { type: "port", number: 42, protocol: "unknown" });
});

function rejects(input: Buffer | string, code: DecodeError["code"], decode: (b: Buffer) => unknown = decodeData): void {
  assert.throws(
    () => decode(typeof input === "string" ? hex(input) : input),
    (e: unknown) => e instanceof DecodeError && e.code === code && Number.isInteger(e.offset),
  );
}

test("edge - hostile input: one DecodeError with a code and offset, no huge allocation", () => {
  rejects("", "truncated");
  rejects("02 00 00", "truncated");
  rejects("05 05 61 62", "truncated");
  rejects("0e ff ff ff ff 0f", "too-large"); // 4 billion elements announced, 0 present
  rejects("05 ff ff ff ff ff 01", "too-large"); // varbyte beyond 32 bits
  rejects("0f", "bad-tag");
  rejects("08 00 50 04", "bad-tag"); // port protocol 4
  rejects("07 00000000000000000000ffff0a000000 81", "invalid"); // subnet length 129
  rejects("01 01 00", "trailing");
  rejects("0c 02 02 0000000000000001 02 0000000000000001", "duplicate");
  rejects(Buffer.concat([Buffer.alloc(200, 0x0e).map((_, i) => (i % 2 ? 1 : 0x0e)), Buffer.of(0)]), "too-deep");
  rejects(Buffer.from('{"@data-type":"count","data":-1}'), "invalid", decodeJsonData);
  const deepJson = "[".repeat(5000);
  assert.throws(() => decodeJsonData(deepJson), (e: unknown) => e instanceof DecodeError && e.code === "too-deep");
  assert.throws(() => decodeJsonData('{"@data-type":"count","data":1'), (e: unknown) => e instanceof DecodeError && e.code === "truncated");
});
