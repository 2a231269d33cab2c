// Typed events: the fixture's own Zeek declarations (common.zeek) drive decoding of what Zeek sent
// and re-encoding must give Zeek's exact bytes back.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { decodeEvent, encodeEvent } from "../../src/codec/broker/event.js";
import { defineEvent, eventFromSignature, type EventDecl } from "../../src/codec/broker/typed.js";
import { parseType, z, type TypeScope } from "../../src/codec/broker/types.js";
import { DecodeError, EncodeError } from "../../src/errors.js";
import { FIXTURES } from "../paths.js";
import { binEvents } from "./fixtures.js";

const common = readFileSync(resolve(FIXTURES, "events/scripts/common.zeek"), "utf8");

function recordBody(name: string): string {
  const m = new RegExp(`type ${name}: (record \\{[^}]*\\})`).exec(common);
  assert.ok(m, name);
  return m[1]!;
}

function fixtureDecls(): Map<string, EventDecl> {
  const scope: Record<string, ReturnType<typeof parseType>> = {
    Color: z.enum("Fixture::Color"),
    transport_proto: z.enum("transport_proto"),
    "Cluster::NodeType": z.enum("Cluster::NodeType"),
  };
  scope.Inner = parseType(recordBody("Inner"), scope as TypeScope);
  scope.Outer = parseType(recordBody("Outer"), scope as TypeScope);
  const decls = new Map<string, EventDecl>();
  for (const m of common.matchAll(/global (\w+): event\(([^)]*)\);/g)) {
    const d = eventFromSignature(`Fixture::${m[1]}(${m[2]!.replace(/\s+/g, " ")})`, scope as TypeScope);
    decls.set(d.name, d);
  }
  return decls;
}

test("typed - every fixture event decodes with its Zeek signature and re-encodes to Zeek's bytes", () => {
  const decls = fixtureDecls();
  assert.equal(decls.size, 22);
  let n = 0;
  for (const m of binEvents()) {
    const payload = m.parts[3]!;
    const ev = decodeEvent(payload);
    const decl = decls.get(ev.name);
    if (!decl) continue;
    const args = decl.decode(payload);
    assert.deepEqual(decl.fromEvent(ev), args, ev.name);
    assert.deepEqual(decl.encode(args), payload, `${ev.name} re-encoded`);
    n++;
  }
  assert.equal(n, 22);
});

test("typed - JS values are what a Zeek script sees", () => {
  const decls = fixtureDecls();
  const byName = new Map(binEvents().map((m) => [decodeEvent(m.parts[3]!).name, m.parts[3]!]));
  const get = (name: string) => decls.get(name)!.decode(byName.get(name)!);
  assert.deepEqual(get("Fixture::ints").slice(8), [-(2n ** 63n), 2n ** 63n - 1n]);
  assert.deepEqual(get("Fixture::counts").slice(8), [2n ** 53n + 1n, 2n ** 64n - 1n]);
  assert.deepEqual(get("Fixture::addrs").slice(1), ["0.0.0.0", "192.168.1.1", "255.255.255.255", "::", "::1", "2001:db8::1", "2001:db8:85a3:8d3:1319:8a2e:370:7348", "1.2.3.4"]);
  assert.deepEqual(get("Fixture::subnets").slice(1, 3), ["10.0.0.0/8", "192.168.1.0/24"]);
  assert.deepEqual(get("Fixture::ports").slice(1), ["80/tcp", "53/udp", "8/icmp", "42/unknown", "65535/tcp", "0/tcp", "0/icmp"]);
  assert.deepEqual(get("Fixture::times").slice(1, 3), [0, 1700000000.5]);
  assert.deepEqual(get("Fixture::intervals").slice(1, 4), [0, 1.5, -120]);
  const special = get("Fixture::doubles_special");
  assert.deepEqual(special.slice(1, 3), [Infinity, -Infinity]);
  assert.ok(Number.isNaN(special[3]));
  // CAF mangles subnormals on the way out; what arrives is what Zeek's receiver sees too.
  assert.deepEqual(get("Fixture::doubles_subnormal").slice(1), [-1.5966722476277758e293, -3.231700607131091e306]);
  const [, r] = get("Fixture::records") as [bigint, Record<string, unknown>];
  assert.equal(r.unset_opt, undefined);
  assert.equal(r.with_default, 7n);
  const bin = get("Fixture::strings_binary") as string[];
  assert.equal(bin[4]!.startsWith("\udcc3("), true, "invalid UTF-8 byte kept as an escaped surrogate");
});

test("typed - defineEvent gives typed encode/decode and Zeek's Cluster::hello bytes", () => {
  const hello = defineEvent("Cluster::hello", [z.string, z.string], ["name", "id"]);
  assert.equal(hello.signature, "Cluster::hello(name: string, id: string)");
  for (const m of binEvents()) {
    const ev = decodeEvent(m.parts[3]!);
    if (ev.name !== "Cluster::hello") continue;
    const [name, id] = hello.decode(m.parts[3]!);
    assert.equal(typeof name, "string");
    assert.match(id, /^zeromq_/);
    assert.deepEqual(hello.encode([name, id]), m.parts[3]);
  }
  const bench = defineEvent("bench", [z.string, z.count, z.addr, z.time, z.set(z.count, z.string), z.table([z.addr], z.vector(z.port))]);
  const args: Parameters<typeof bench.encode>[0] = ["x", 1n, "10.0.0.1", 1700000000.5, [[2n, "b"], [1n, "a"], [1n, "a"]], new Map([["::1", ["80/tcp" as const]]])];
  const back = bench.decode(bench.encode(args));
  assert.deepEqual(back[4], [[1n, "a"], [2n, "b"]], "sets come back in Broker order without duplicates");
  assert.deepEqual(back.slice(0, 4), ["x", 1n, "10.0.0.1", 1700000000.5]);
  assert.deepEqual([...(back[5] as Map<string, string[]>)], [["::1", ["80/tcp"]]]);
});

test("typed - network timestamp metadata is added on request and skipped by typed decode", () => {
  const ping = defineEvent("ping", [z.count]);
  const payload = ping.encode([7n], { networkTimestamp: 1.5 });
  assert.deepEqual(decodeEvent(payload).metadata, [{ id: 1n, value: { type: "timestamp", value: 1_500_000_000n } }]);
  assert.deepEqual(ping.decode(payload), [7n]);
});

test("typed - values that do not fit the declared type are refused with the argument's path", () => {
  const e = defineEvent("e", [z.count, z.record({ a: z.string, b: z.optional(z.int) })], ["n", "r"]);
  assert.throws(() => e.encode([-1n, { a: "x" }]), (err: unknown) => err instanceof EncodeError && err.path === "e.n");
  assert.throws(() => e.encode([1n, {} as never]), (err: unknown) => err instanceof EncodeError && err.path === "e.r.a");
  assert.throws(() => defineEvent("e", [z.addr]).encode(["10.0.0.256"]), EncodeError);
  assert.throws(() => defineEvent("e", [z.port]).encode(["80/sctp" as never]), EncodeError);
  assert.throws(() => defineEvent("e", [z.time]).encode([1e12]), EncodeError);
  // count and int do not convert into each other on receive (as in Zeek).
  const asInt = defineEvent("e", [z.int, z.record({ a: z.string, b: z.optional(z.int) })]);
  assert.throws(() => asInt.decode(e.encode([1n, { a: "x" }])), (err: unknown) => err instanceof DecodeError && err.code === "bad-tag");
  assert.throws(() => defineEvent("other", [z.count]).decode(defineEvent("e", [z.count]).encode([1n])), DecodeError);
  assert.deepEqual(e.decode(e.encode([5n, { a: "x" }])), [5n, { a: "x" }]);
});

test("typed - the compiled fast paths write what the self-describing encoder writes, edge values included", () => {
  const e = defineEvent("edge", [z.string, z.count, z.addr, z.time, z.interval]);
  const strings = ["", "a", "x".repeat(127), "x".repeat(128), "é", "日本", "a\udcff", "\ud83d\ude00", "\u007f"];
  const counts = [0, 1n, 255, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, 9007199254740992n, (1n << 64n) - 1n];
  const addrs = ["0.0.0.0", "255.255.255.255", "10.0.0.1", "::ffff:1.2.3.4", "2001:db8::1", "::"];
  // 9000000000.000001 is past a double's precision on purpose: the nearest double is what both encoders see.
  // eslint-disable-next-line no-loss-of-precision
  const times = [0, -1.5, 1700000000.123456, -0.000000001, 9000000000.000001, 9.2e9, -9.2e9, new Date(1700000000123)];
  for (let i = 0; i < 200; i++) {
    const args = [strings[i % strings.length]!, counts[i % counts.length]!, addrs[i % addrs.length]!, times[i % times.length]!, times[(i + 3) % times.length]!] as never;
    assert.deepEqual(e.encode(args), encodeEvent(e.toEvent(args)), JSON.stringify(args, (_, v) => (typeof v === "bigint" ? `${v}n` : v)));
  }
  for (const bad of [["1.2.3.04", 0n, 0], ["1.2.3", 0n, 0], ["1.2.3.4.5", 0n, 0], ["256.0.0.1", 0n, 0], ["1.2.3.4", -1, 0], ["1.2.3.4", 1.5, 0], ["1.2.3.4", 0n, NaN]]) {
    assert.throws(() => defineEvent("e", [z.addr, z.count, z.time]).encode(bad as never), EncodeError, String(bad));
  }
});

test("typed - encoded payloads stay intact across the shared slab's chunks and failed encodes", () => {
  const e = defineEvent("slab", [z.count, z.string]);
  const kept: [bigint, string, Buffer][] = [];
  for (let i = 0; i < 5000; i++) {
    const s = "y".repeat(i % 300);
    kept.push([BigInt(i), s, e.encode([BigInt(i), s])]);
    if (i % 7 === 0) assert.throws(() => e.encode([-1n, "z".repeat(70_000)]), EncodeError);
    if (i % 11 === 0) e.encode([0n, "w".repeat(100_000)]); // an item larger than a chunk
  }
  for (const [n, s, payload] of kept) assert.deepEqual(e.decode(payload), [n, s]);
});

test("typed - signature parser understands Zeek's type language", () => {
  const d = eventFromSignature("event x(a: table[count, string] of set[addr], b: vector of vector of port, c: record { x: count &log; y: string &optional; z: bool &default=T; })");
  assert.equal(d.signature, "x(a: table[count,string] of set[addr], b: vector of vector of port, c: record { x: count; y: string &optional; z: bool; })");
  assert.throws(() => eventFromSignature("x(a: strin)"), /unknown type 'strin'/);
  assert.throws(() => parseType("set[count"), /signature/);
});
