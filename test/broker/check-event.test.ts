// checkEvent validates the events no handler decodes without building their values: it must
// accept exactly what the full decoder accepts (sets/tables with duplicates aside, which it does
// not look for), on every real Zeek event and on truncated, padded and mutated copies of them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DecodeError } from "../../src/errors.js";
import { decodeEvent } from "../../src/codec/broker/event.js";
import { checkEvent } from "../../src/codec/broker/typed.js";
import { binEvents, discoveryEvents } from "./fixtures.js";

const payloads = (): Buffer[] => [...binEvents(), ...discoveryEvents()].map((m) => m.parts[3]!);

/** "ok", or the DecodeError's code; anything else than a DecodeError fails the test. */
function outcome(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (e) {
    assert.ok(e instanceof DecodeError, `not a DecodeError: ${String(e)}`);
    return e.code;
  }
}

/**
 * Same verdict as decodeEvent. A duplicate set element or table key is checkEvent's blind spot:
 * decodeEvent stops there, so what checkEvent finds further on may or may not be an error.
 */
function agree(p: Buffer, what: string): number {
  const full = outcome(() => decodeEvent(p));
  const check = outcome(() => checkEvent(p));
  if (full === "duplicate") return 0;
  assert.equal(check === "ok", full === "ok", `${what}: decodeEvent ${full}, checkEvent ${check}`);
  return 1;
}

test("checkEvent - accepts every event a real Zeek 8.2.2 sent", () => {
  const all = payloads();
  assert.ok(all.length > 40);
  for (const p of all) assert.equal(outcome(() => checkEvent(p)), "ok");
});

test("checkEvent - every truncation and junk suffix of a real event is an error, as for decodeEvent", () => {
  for (const p of payloads()) {
    for (let n = 0; n < p.length; n++) {
      assert.notEqual(outcome(() => checkEvent(p.subarray(0, n))), "ok", `truncated to ${n} of ${p.length}`);
      agree(p.subarray(0, n), `truncated to ${n}`);
    }
    for (const junk of [[0], [0xff], [0x0e, 0x00], Array.from({ length: 37 }, (_, i) => i)]) {
      const padded = Buffer.concat([p, Buffer.from(junk)]);
      assert.equal(outcome(() => checkEvent(padded)), "trailing");
    }
  }
});

test("checkEvent - agrees with decodeEvent on byte mutations of real events, and bounds nesting", () => {
  let seed = 12345;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  let compared = 0;
  for (const p of payloads())
    for (let k = 0; k < 60; k++) {
      const m = Buffer.from(p);
      for (let j = 0; j <= rnd(3); j++) m[rnd(m.length)] = rnd(256);
      compared += agree(m, `mutation ${k}`);
    }
  assert.ok(compared > 2000, `only ${compared} mutations compared`);
  // vector(1) nested 100,000 deep inside an event's arguments: a depth error, no stack overflow.
  const head = Buffer.from("0e03020000000000000001020000000000000001" + "0e02" + "0501" + "41" + "0e01", "hex");
  const deep = Buffer.concat([head, Buffer.alloc(200_000, 0).fill(Buffer.from([0x0e, 0x01]))]);
  assert.equal(outcome(() => checkEvent(deep)), "too-deep");
  // A container claiming more elements than the input can hold allocates nothing.
  const huge = Buffer.concat([head.subarray(0, head.length - 2), Buffer.from("0e01" + "0e" + "ffffffff0f", "hex")]);
  assert.equal(outcome(() => checkEvent(huge)), "too-large");
});
