// The EventDispatcher alone, without sockets: messages are built in memory as the broker would
// deliver them (4 frames: topic, sender id, format, payload) and fed to dispatch().
import assert from "node:assert/strict";
import { test } from "node:test";
import { FORMAT as BIN_FORMAT } from "../../src/codec/broker/bin.js";
import { data } from "../../src/codec/broker/data.js";
import { encodeEvent } from "../../src/codec/broker/event.js";
import { encodeJsonEvent, FORMAT as JSON_FORMAT } from "../../src/codec/broker/json.js";
import { defineEvent } from "../../src/codec/broker/typed.js";
import { z } from "../../src/codec/broker/types.js";
import { EventDispatcher, type DispatchHooks } from "../../src/cluster/dispatcher.js";
import { PackedMessage } from "../../src/transport/packed.js";

const ping = defineEvent("Test::ping", [z.string, z.count]);
const pong = defineEvent("Test::pong", [z.string]);

const msg = (topic: string, payload: Buffer, format = BIN_FORMAT, sender = "zeromq_peer") =>
  PackedMessage.of([Buffer.from(topic), Buffer.from(sender), Buffer.from(format), payload]);

function recorder(extra: Partial<DispatchHooks> = {}) {
  const log: string[] = [];
  const hooks: DispatchHooks = {
    incoming: (topic, name) => log.push(`in ${topic} ${name}`),
    undecodable: (topic, format, sender, e) => log.push(`bad ${topic} ${format} ${sender.toString()} ${e.code}`),
    handlerFailed: (name, e) => log.push(`failed ${name} ${(e as Error).message}`),
    ...extra,
  };
  return { log, d: new EventDispatcher(hooks) };
}

test("dispatcher - typed handlers get decoded arguments, in order, binary and JSON alike", () => {
  const { log, d } = recorder();
  const got: unknown[][] = [];
  d.add(ping, ((s: string, c: bigint) => got.push([s, c])) as never);
  d.dispatch(msg("t.a", ping.encode(["x", 1n])));
  d.dispatch(msg("t.a", ping.encode(["y", 2n]))); // the cached fast path (same registration)
  d.dispatch(msg("t.b", Buffer.from(encodeJsonEvent(ping.toEvent(["z", 3n]))), JSON_FORMAT));
  assert.deepEqual(got, [["x", 1n], ["y", 2n], ["z", 3n]]);
  assert.deepEqual(log, ["in t.a Test::ping", "in t.a Test::ping", "in t.b Test::ping"]);
});

test("dispatcher - remove() takes one registration; a handler removing itself mid-run leaves the others", () => {
  const { d } = recorder();
  const calls: string[] = [];
  const a = () => calls.push("a");
  const b = () => {
    calls.push("b");
    d.remove(pong as never, b as never);
  };
  const c = () => calls.push("c");
  for (const h of [a, b, c]) d.add(pong as never, h as never);
  d.dispatch(msg("t", pong.encode(["1"])));
  d.dispatch(msg("t", pong.encode(["2"])));
  assert.deepEqual(calls, ["a", "b", "c", "a", "c"]);
  assert.equal(d.remove(pong as never, b as never), false, "already removed");
  assert.equal(d.remove(pong as never, a as never), true);
  assert.equal(d.remove(pong as never, c as never), true);
  assert.equal(d.handlerCount("Test::pong"), 0);
  calls.length = 0;
  d.dispatch(msg("t", pong.encode(["3"]))); // no registration left, and no stale fast-path cache
  assert.deepEqual(calls, []);
});

test("dispatcher - a second declaration of a name with another signature is refused", () => {
  const { d } = recorder();
  d.add(ping as never, (() => undefined) as never);
  assert.throws(() => d.add(defineEvent("Test::ping", [z.string]) as never, (() => undefined) as never), /already handled with signature/);
});

test("dispatcher - undecodable messages and failing handlers are reported, not thrown", async () => {
  const { log, d } = recorder();
  d.add(pong as never, (() => {
    throw new Error("boom");
  }) as never);
  d.add(ping as never, (async () => {
    throw new Error("later");
  }) as never);
  d.dispatch(msg("t", Buffer.from([1, 2, 3]), BIN_FORMAT, "evil"));
  d.dispatch(msg("t", Buffer.from("{}"), "no-such-format"));
  d.dispatch(msg("t", pong.encode(["1"])));
  await d.dispatch(msg("t", ping.encode(["1", 1n])));
  assert.equal(log.filter((l) => l.startsWith("bad t broker-bin-v1 evil")).length, 1, log.join("\n"));
  assert.ok(log.some((l) => l.startsWith("bad t no-such-format")), log.join("\n"));
  assert.ok(log.includes("failed Test::pong boom"), log.join("\n"));
  assert.ok(log.includes("failed Test::ping later"), log.join("\n"));
});

test("dispatcher - any-event handlers see every event self-describing; discovery takes its hellos", () => {
  const taken: string[] = [];
  const { log, d } = recorder({ discovery: (name) => (name.startsWith("Cluster::") ? (taken.push(name), true) : false) });
  const any: string[] = [];
  const h = (topic: string, ev: { name: string }, format: string) => any.push(`${topic} ${ev.name} ${format}`);
  d.addAny(h);
  d.dispatch(msg("t", ping.encode(["x", 1n])));
  d.dispatch(msg("t", encodeEvent({ name: "Cluster::hello", args: [data.string("n"), data.string("id")] })));
  assert.deepEqual(taken, ["Cluster::hello"]);
  assert.deepEqual(any, ["t Test::ping broker-bin-v1", "t Cluster::hello broker-bin-v1"]);
  assert.equal(d.removeAny(h), true);
  d.dispatch(msg("t", ping.encode(["x", 1n])));
  assert.equal(any.length, 2);
  assert.equal(log.length, 3);
});
