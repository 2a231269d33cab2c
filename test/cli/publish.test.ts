// `zeek-zmq publish` argument handling: JSON arguments to declared Zeek types, and the errors a
// user sees (checked before any connection is made).
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventArgs, textValue } from "../../src/cli/publish.js";
import { eventFromSignature } from "../../src/codec/broker/typed.js";
import { parseType } from "../../src/codec/broker/types.js";
import { zeekZmq } from "./procs.js";

const v = (type: string, text: string) => textValue(parseType(type), text);

test("publish - counts and ints are exact bigints, from JSON numbers or decimal strings", () => {
  assert.equal(v("count", "18446744073709551615"), 18446744073709551615n);
  assert.equal(v("count", '"42"'), 42n);
  assert.equal(v("int", "-9223372036854775808"), -9223372036854775808n);
  assert.deepEqual(v("vector of count", '[1, "18446744073709551615"]'), [1n, 18446744073709551615n]);
  assert.throws(() => v("count", "1.5"), /argument|is not a valid count/);
});

test("publish - string-like types take JSON strings or the text as it is", () => {
  assert.equal(v("string", '"cli"'), "cli");
  assert.equal(v("string", "cli"), "cli");
  assert.equal(v("string", "1"), "1");
  assert.equal(v("string", '"\\"quoted\\""'), '"quoted"');
  assert.equal(v("addr", "10.0.0.1"), "10.0.0.1");
  assert.equal(v("port", "80/tcp"), "80/tcp");
  assert.equal(v("subnet", "10.0.0.0/8"), "10.0.0.0/8");
});

test("publish - doubles, bools, records, tables, sets and any", () => {
  assert.equal(v("double", '"inf"'), Infinity);
  assert.equal(v("double", "2"), 2);
  assert.equal(v("bool", "T"), true);
  assert.equal(v("bool", "false"), false);
  assert.deepEqual(v("record { x: count; y: string &optional; }", '{"x": 1}'), { x: 1n });
  assert.deepEqual(v("table[string] of count", '{"a": 1}'), new Map([["a", 1n]]));
  assert.deepEqual(v("table[count] of string", '{"7": "x"}'), new Map([[7n, "x"]]));
  assert.deepEqual(v("table[addr, port] of bool", '[[["10.0.0.1", "80/tcp"], true]]'), new Map([[["10.0.0.1", "80/tcp"], true]]));
  assert.deepEqual(v("set[string, count]", '[["a", 1]]'), [["a", 1n]]);
  assert.deepEqual(v("any", '{"@data-type": "count", "data": 5}'), { type: "count", value: 5n });
  assert.throws(() => v("record { x: count; }", '{"x": 1, "z": 2}'), /unknown field "z"/);
  assert.throws(() => v("record { x: count; }", "{}"), /missing field "x"/);
});

test("publish - eventArgs checks the argument count and that every value encodes", () => {
  const decl = eventFromSignature("Demo::ping(from: string, n: count)");
  assert.deepEqual(eventArgs(decl, ['"cli"', "1"]), ["cli", 1n]);
  assert.throws(() => eventArgs(decl, ["cli"]), /Demo::ping\(from: string, n: count\) takes 2 arguments, got 1/);
  assert.throws(() => eventArgs(decl, ["cli", "-1"]), /cannot encode -1n as count: out of range/);
  assert.throws(() => eventArgs(eventFromSignature("X(a: addr)"), ["not-an-address"]), /cannot encode "not-an-address" as addr/);
});

test("publish - bad signatures and arguments are usage errors, before connecting", async (t) => {
  const cases: [string[], RegExp][] = [
    [["t", "X(a: count"], /^zeek-zmq publish: bad SIGNATURE "X\(a: count": /],
    [["t", "X(a: count)", "x"], /^zeek-zmq publish: argument 1 \(a: count\): "x" is not JSON \(a count is expected\)$/],
    [["t", "X(a: count)"], /^zeek-zmq publish: X\(a: count\) takes 1 argument, got 0$/],
    [["t"], /^zeek-zmq publish: TOPIC and SIGNATURE are required$/],
    [["--event-format", "xml", "t", "X()"], /^zeek-zmq publish: --event-format must be broker-bin-v1 or broker-json-v1/],
  ];
  for (const [args, re] of cases) {
    const p = zeekZmq(t, ["publish", ...args]);
    assert.equal((await p.exit()).code, 2, `${args.join(" ")}: ${p.err.join("\n")}`);
    assert.match(p.err[0]!, re);
    assert.equal(p.err[1], 'Run "zeek-zmq publish --help" for its options.');
  }
});
