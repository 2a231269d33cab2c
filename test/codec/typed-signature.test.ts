// eventFromSignature typed from a literal signature: the compile-time types (checked by tsc when
// the tests build: a wrong type fails the build) and, at run time, that values of exactly those
// types round-trip through the declaration, including real Zeek 8.2.2 events.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Data } from "../../src/codec/broker/data.js";
import { decodeEvent } from "../../src/codec/broker/event.js";
import { defineEvent, eventFromSignature, type EventDecl, type SignatureArgs } from "../../src/codec/broker/typed.js";
import { parseType, z, type JsOf, type PatternValue, type PortText, type TypeScope } from "../../src/codec/broker/types.js";
import { binEvents } from "../broker/fixtures.js";

/** true only when A and B are the same type (not merely assignable). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when its argument is `true`. */
function sameType<T extends true>(...ok: T[]): number {
  return ok.length;
}

// ---- compile-time checks (this file does not build if one is wrong) ----

const ping = eventFromSignature("Test::ping(sender: string, c: count)");
const typeChecks = sameType(
  true as Same<typeof ping, EventDecl<[string, bigint]>>,
  // Every scalar, as the decoder returns it and the encoder takes it (the JS types of `z`).
  true as Same<
    SignatureArgs<"x(a: bool, b: int, c: count, d: double, e: time, f: interval, g: string, h: addr, i: subnet, j: port, k: enum, l: pattern, m: any)">,
    [boolean, bigint, bigint, number, number, number, string, string, string, PortText, string, PatternValue, Data]
  >,
  // Containers: one index as itself, several as a tuple; nesting.
  true as Same<
    SignatureArgs<"x(a: set[addr], b: set[count, string], c: table[string] of count, d: table[addr, port] of vector of set[subnet], e: vector of vector of count)">,
    [string[], [bigint, string][], Map<string, bigint>, Map<[string, PortText], string[][]>, bigint[][]]
  >,
  // Zeek's own spelling: `event`, tabs, newlines, no spaces, a trailing comma; &optional and &log.
  true as Same<SignatureArgs<"event x(a:count,\n\t b :set[ addr ,string ] ,)  ">, [bigint, [string, string][]]>,
  true as Same<SignatureArgs<"x(a: count &optional, b: string &log)">, [bigint | undefined, string]>,
  true as Same<SignatureArgs<"x()">, []>,
  // Named types from a scope whose entries carry their JS type.
  true as Same<SignatureArgs<"x(c: Color, r: Inner)", { Color: ReturnType<typeof z.enum<"Fixture::RED" | "Fixture::BLUE">>; Inner: typeof INNER }>, ["Fixture::RED" | "Fixture::BLUE", JsOf<typeof INNER>]>,
  // What the type-level reading does not follow is unknown[], never a guess.
  true as Same<SignatureArgs<string>, unknown[]>,
  true as Same<SignatureArgs<"x(a: count)" | "y(a: string)">, unknown[]>,
  true as Same<SignatureArgs<"x(a: Color)">, unknown[]>, // not in the scope
  true as Same<SignatureArgs<"x(a: Color)", TypeScope>, unknown[]>, // a scope without compile-time types
  true as Same<SignatureArgs<"x(a: Color)", { Color: ReturnType<typeof parseType> }>, unknown[]>,
  true as Same<SignatureArgs<"x(a: record { n: count; })">, unknown[]>,
  true as Same<SignatureArgs<"x(a: enum { A, B })">, unknown[]>,
  true as Same<SignatureArgs<"x(a: count &default=1)">, unknown[]>,
  true as Same<SignatureArgs<"x(a: count b: count)">, unknown[]>,
  true as Same<SignatureArgs<"x(a: bytes)">, unknown[]>, // `bytes` is z's, not Zeek's
  true as Same<SignatureArgs<`x(a: ${string})`>, unknown[]>,
  true as Same<SignatureArgs<"x(a: vectorof count)">, unknown[]>,
);

// Wrong arguments do not compile.
function misuse(): void {
  // @ts-expect-error count is a bigint
  ping.encode(["a", 1]);
  // @ts-expect-error two arguments
  ping.encode(["a"]);
  // @ts-expect-error the sender is a string
  const [n]: [number] = ping.decode(Buffer.alloc(0));
  void n;
}

const INNER = z.record({ n: z.count, label: z.optional(z.string), where: z.addr }, "Fixture::Inner");

// ---- run time ----

test("typed signature - the compile-time checks are compiled in", () => {
  assert.equal(typeChecks, 19);
  assert.equal(typeof misuse, "function");
});

test("typed signature - a literal multi-argument signature round-trips values of its inferred types", () => {
  const sig = "Test::conn(uid: string, orig_h: addr, resp_p: port, bytes: count, ts: time, dur: interval, ok: bool, tags: set[string], seen: table[addr, port] of count, hops: vector of subnet)";
  const conn = eventFromSignature(sig);
  const args: Parameters<typeof conn.encode>[0] = [
    "CHhAvVGS1DHFjwGM9",
    "2001:db8::1",
    "443/tcp",
    2n ** 64n - 1n,
    1700000000.5,
    -1.25,
    true,
    ["b", "a"],
    new Map([[["10.0.0.1", "53/udp"], 7n]]),
    ["10.0.0.0/8", "2001:db8::/32"],
  ];
  const payload = conn.encode(args);
  // The same bytes as the declaration built from `z` values.
  const viaZ = defineEvent("Test::conn", [z.string, z.addr, z.port, z.count, z.time, z.interval, z.bool, z.set(z.string), z.table([z.addr, z.port], z.count), z.vector(z.subnet)]);
  assert.deepEqual(Buffer.from(payload), viaZ.encode(args));
  const [uid, orig, port, bytes, ts, dur, ok, tags, seen, hops] = conn.decode(payload);
  // Used as their types: these lines compile only with the inferred types.
  assert.equal(uid.length, 17);
  assert.equal(orig, "2001:db8::1");
  assert.equal(port.endsWith("/tcp"), true);
  assert.equal(bytes + 1n, 2n ** 64n);
  assert.equal(ts - dur, 1700000001.75);
  assert.equal(ok, true);
  assert.deepEqual(tags, ["a", "b"], "a set comes back in Broker's canonical order");
  assert.deepEqual([...seen], [[["10.0.0.1", "53/udp"], 7n]]);
  assert.deepEqual(hops, ["10.0.0.0/8", "2001:db8::/32"]);
  assert.deepEqual(conn.fromEvent(decodeEvent(payload)), [uid, orig, port, bytes, ts, dur, ok, tags, seen, hops]);
});

test("typed signature - &optional arguments may be undefined and travel as none", () => {
  const e = eventFromSignature("x(a: count &optional, b: string)");
  const payload = e.encode([undefined, "s"]);
  assert.deepEqual(decodeEvent(payload).args, [{ type: "none" }, { type: "string", value: Buffer.from("s") }]);
  assert.deepEqual(e.decode(e.encode([3n, "s"])), [3n, "s"]);
});

test("typed signature - Zeek's own multi-line signatures decode what a real Zeek 8.2.2 sent, typed", () => {
  // Copied from the fixture's common.zeek as Zeek spells them (tabs and newlines included).
  const scope = {
    transport_proto: z.enum<"tcp" | "udp" | "icmp" | "unknown">("transport_proto"),
    Color: z.enum<"Fixture::RED" | "Fixture::GREEN" | "Fixture::BLUE">("Fixture::Color"),
    Inner: INNER,
  };
  const manyArgs = eventFromSignature(
    `Fixture::many_args(seq: count, a1: bool, a2: int, a3: count, a4: double, a5: time,
	                        a6: interval, a7: string, a8: addr, a9: subnet, a10: port,
	                        a11: transport_proto, a12: Color, a13: set[string],
	                        a14: table[string] of count, a15: vector of count, a16: Inner,
	                        a17: string, a18: count, a19: addr, a20: bool, a21: int,
	                        a22: vector of string, a23: count)`,
    scope,
  );
  const tables = eventFromSignature(`Fixture::tables(seq: count, str_count: table[string] of count,
	                     by_addr: table[addr] of set[string], empty: table[string] of count,
	                     composite: table[count, string] of bool)`);
  let seen = 0;
  for (const m of binEvents()) {
    const payload = m.parts[3]!;
    const name = decodeEvent(payload).name;
    if (name === manyArgs.name) {
      const args = manyArgs.decode(payload);
      assert.equal(args.length, 24);
      const [seq, , , , , , , , , , , proto, color, , , , inner] = args;
      assert.equal(typeof seq, "bigint");
      assert.ok(["tcp", "udp", "icmp", "unknown"].includes(proto));
      assert.ok(color.startsWith("Fixture::"));
      assert.equal(typeof inner.n, "bigint");
      assert.deepEqual(Buffer.from(manyArgs.encode(args)), payload, "re-encoded to Zeek's bytes");
      seen++;
    } else if (name === tables.name) {
      const [, strCount, byAddr, , composite] = tables.decode(payload);
      for (const v of strCount.values()) assert.equal(typeof v, "bigint");
      for (const v of byAddr.values()) assert.ok(Array.isArray(v));
      for (const [[c, s], b] of composite) assert.deepEqual([typeof c, typeof s, typeof b], ["bigint", "string", "boolean"]);
      assert.deepEqual(Buffer.from(tables.encode(tables.decode(payload))), payload);
      seen++;
    }
  }
  assert.equal(seen, 2);
});
