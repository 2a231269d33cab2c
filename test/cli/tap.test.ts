// `zeek-zmq tap` and `zeek-zmq publish` together through a real broker: what publish sends, tap
// prints exactly as Zeek's WebSocket API renders it.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { startBroker, zeekZmq } from "./procs.js";

const SIGNATURE =
  "Test::all(s: string, c: count, i: int, d: double, a: addr, p: port, v: vector of count, t: table[string] of count, r: record { x: count; y: string &optional; }, b: bool, e: set[addr])";
const ARGS = ["--", "cli", "18446744073709551615", "-5", "1.5", "10.0.0.1", "80/tcp", "[1,2]", '{"a":1}', '{"x":3}', "true", '["10.0.0.2","10.0.0.1"]'];
const d = (type: string, data: string) => `{"@data-type":"${type}","data":${data}}`;
const EXPECTED =
  `{"type":"data-message","topic":"test.all","@data-type":"vector","data":[${d("count", "1")},${d("count", "1")},{"@data-type":"vector","data":[${d("string", '"Test::all"')},{"@data-type":"vector","data":[` +
  [
    d("string", '"cli"'),
    d("count", "18446744073709551615"),
    d("integer", "-5"),
    d("real", "1.500000"),
    d("address", '"10.0.0.1"'),
    d("port", '"80/tcp"'),
    d("vector", `[${d("count", "1")},${d("count", "2")}]`),
    d("table", `[{"key":${d("string", '"a"')},"value":${d("count", "1")}}]`),
    d("vector", `[${d("count", "3")},${d("none", "{}")}]`),
    d("boolean", "true"),
    // Sets travel in Broker's canonical order, whatever order they were given in.
    d("set", `[${d("address", '"10.0.0.1"')},${d("address", '"10.0.0.2"')}]`),
  ].join(",") +
  "]}]}]}";

test("tap - prints the event publish sent, exactly as Zeek renders it, in both event formats", async (t) => {
  const { connect } = await startBroker(t);
  const tap = zeekZmq(t, ["tap", ...connect, "--count", "2", "test."]);
  await tap.errLine(/^zeek-zmq tap: subscribed to "test\." at tcp:\/\//);
  for (const format of ["broker-bin-v1", "broker-json-v1"]) {
    const pub = zeekZmq(t, ["publish", ...connect, "--event-format", format, "test.all", SIGNATURE, ...ARGS]);
    assert.deepEqual(await pub.exit(), { code: 0, signal: null }, pub.err.join("\n"));
    assert.deepEqual(pub.err, ["zeek-zmq publish: Test::all published to test.all"]);
  }
  assert.deepEqual(await tap.exit(), { code: 0, signal: null });
  assert.deepEqual(tap.out, [EXPECTED, EXPECTED]);
});

test("tap - only the given prefixes; several prefixes; exits 0 on SIGINT", async (t) => {
  const { connect } = await startBroker(t);
  const tap = zeekZmq(t, ["tap", ...connect, "a.", "b."]);
  await tap.errLine(/subscribed to "a\.", "b\."/);
  for (const topic of ["a.1", "c.1", "b.1"]) {
    const pub = zeekZmq(t, ["publish", ...connect, topic, "T::e(n: count)", "1"]);
    assert.equal((await pub.exit()).code, 0, pub.err.join("\n"));
  }
  await tap.line(/"topic":"b\.1"/);
  assert.deepEqual(await tap.stop("SIGINT"), { code: 0, signal: null });
  assert.deepEqual(tap.out.map((l) => JSON.parse(l).topic), ["a.1", "b.1"]);
});

test("tap - publish warns when nobody subscribes to the topic", async (t) => {
  const { connect } = await startBroker(t);
  const pub = zeekZmq(t, ["publish", ...connect, "nobody.here", "T::e(n: count)", "1"]);
  assert.equal((await pub.exit()).code, 0, pub.err.join("\n"));
  assert.equal(pub.err[0], 'zeek-zmq publish: warning: no node subscribes to "nobody.here"; the event reaches nobody');
});

/** A loopback port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const s = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => s.once("listening", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

test("tap - an unreachable broker is a clear error after --timeout", async (t) => {
  const port = await deadPort();
  const ep = `tcp://127.0.0.1:${port}`;
  for (const cmd of [["tap", "x."], ["publish", "x.y", "T::e(n: count)", "1"]]) {
    const p = zeekZmq(t, [cmd[0]!, "--connect-xsub-endpoint", ep, "--connect-xpub-endpoint", ep, "--timeout", "0.3", ...cmd.slice(1)]);
    assert.equal((await p.exit()).code, 1, p.err.join("\n"));
    assert.match(p.err.join("\n"), new RegExp(`^zeek-zmq ${cmd[0]}: broker: no broker answered within 0\\.3 s \\(connect_x(pub|sub)_endpoint ${ep}`));
  }
});

test("tap - needs a prefix", async (t) => {
  const p = zeekZmq(t, ["tap"]);
  assert.equal((await p.exit()).code, 2, p.err.join("\n"));
  assert.equal(p.err[0], 'zeek-zmq tap: at least one topic PREFIX is required ("" for every topic)');
});
