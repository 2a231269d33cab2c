import assert from "node:assert/strict";
import { test } from "node:test";
import { printable, quoted, Warnings } from "../src/printable.js";

test("printable escapes controls, backslashes, bidi overrides and lone surrogates; keeps the rest", () => {
  assert.equal(printable("worker-1 zeek.cluster.node"), "worker-1 zeek.cluster.node");
  assert.equal(printable("a\nb\r\tc\\d"), "a\\nb\\r\\tc\\\\d");
  assert.equal(printable("\x1b[2J\x00\x7f\x85"), "\\x1b[2J\\x00\\x7f\\x85");
  assert.equal(printable("x\u202ey\u2028"), "x\\u202ey\\u2028");
  assert.equal(printable("ok \ud83d\ude00 \udc80"), "ok \ud83d\ude00 \\udc80");
  assert.equal(printable("né ü"), "né ü");
  assert.equal(printable(Buffer.from([0x61, 0x0a, 0xff])), "a\\n\xff");
  assert.equal(printable("abcdef", 3), "abc…(3 more)");
  assert.equal(printable("a\nbcdef", 3), "a\\nb…(4 more)");
  assert.equal(quoted('say "hi"\n'), '"say \\"hi\\"\\n"');
  // Nothing printable() returns can hold a line break or an escape character.
  let all = "";
  for (let c = 0; c < 0x3000; c++) all += String.fromCharCode(c);
  assert.doesNotMatch(printable(all, Infinity), /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]/);
});

test("Warnings: once per key, bounded keys, rate-limited with a counted summary", () => {
  const lines: string[] = [];
  const w = new Warnings((l) => lines.push(l), { maxKeys: 3, burst: 2, intervalMs: 60_000 });
  assert.equal(w.once("a", () => "A"), true);
  assert.equal(w.once("a", () => "A again"), false);
  assert.equal(w.once("b", () => "B"), true);
  assert.equal(w.once("c", () => "C"), false); // rate limit: burst 2 per interval
  assert.equal(w.once("d", () => "D"), false); // key limit: a, b, c remembered
  for (let i = 0; i < 10_000; i++) w.once(`k${i}`, () => "never");
  assert.deepEqual(lines, ["A", "B"]);
  assert.equal(w.suppressed, 10_002);
  w.flush();
  assert.deepEqual(lines.at(-1), "10002 further warnings suppressed (rate or key limit)");
});
