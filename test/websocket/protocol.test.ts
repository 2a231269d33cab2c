// The WebSocket API's texts and decoders against real Zeek 8.2.2 output: every event of the
// all-types captures rendered as Zeek's WebSocket data message, byte for byte; the ack and error
// texts; the client-message decoder on Zeek's error cases; options; cluster.log wording.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, test } from "node:test";
import { ConfigError } from "../../src/errors.js";
import { MetricsRegistry } from "../../src/telemetry/registry.js";
import { PackedMessage } from "../../src/transport/index.js";
import { clientAddedMessage, clientLostMessage } from "../../src/websocket/events.js";
import { decodeDataMessage, decodeSubscriptions } from "../../src/websocket/inbound.js";
import { MAX_APP_LABELS, MAX_VERBOSE_SERIES, OVERFLOW_LABEL, WebSocketTelemetry } from "../../src/websocket/metrics.js";
import { resolveWebSocketOptions, websocketOptionsFromObject } from "../../src/websocket/options.js";
import { ackText, closeReasonFor, errorText, validApplicationName } from "../../src/websocket/protocol.js";
import { EventRenderer } from "../../src/websocket/render.js";
import { binEvents, expectedLines, jsonEvents } from "../broker/fixtures.js";
import { FIXTURES } from "../paths.js";
import { transcript } from "./fixture.js";
import { C, dataMessageJson, PING, S } from "./helpers.js";
import { checkPaths, fastPayload } from "./paths.js";

const lookup = (name: string) => (name === PING.name ? (PING as never) : undefined);

describe("websocket protocol - Zeek's bytes", () => {
  test("every event of the binary capture renders as Zeek's WebSocket data message, byte for byte", () => {
    const r = new EventRenderer();
    const expected = expectedLines();
    const msgs = binEvents();
    assert.equal(msgs.length, expected.length);
    msgs.forEach((m, i) => {
      const text = r.render(PackedMessage.of(m.parts)).text;
      assert.equal(text.toString("latin1"), expected[i]!.toString("latin1"), `event ${i + 1} (line ${m.line})`);
    });
  });

  test("the JSON-format capture (broker-json-v1 payloads) renders the same bytes", () => {
    const r = new EventRenderer();
    const expected = expectedLines();
    const msgs = jsonEvents();
    // The JSON run's ids differ in the four hello events; the 22 Fixture events are identical.
    const fixture = msgs.map((m, i) => [m, i] as const).filter(([m]) => m.parts[0]!.toString() === "zeek.fixtures.all-types");
    assert.equal(fixture.length, 22);
    for (const [m, i] of fixture) assert.equal(r.render(PackedMessage.of(m.parts)).text.toString("latin1"), expected[i]!.toString("latin1"), `line ${m.line}`);
  });

  test("a repeated event (fan-out) comes from the cache, identical", () => {
    const r = new EventRenderer();
    const m = PackedMessage.of(binEvents()[5]!.parts);
    const a = r.render(m);
    assert.equal(r.render(PackedMessage.of(binEvents()[5]!.parts)), a);
  });

  test("ack and error texts are the transcript's bytes", () => {
    const recv = transcript().filter((e) => e.dir === "recv").map((e) => e.text!);
    const ack = recv.find((t) => t.includes('"ack"'))!;
    const id = (JSON.parse(ack) as { endpoint: string }).endpoint;
    assert.equal(ackText(id, "8.2.2").toString("latin1"), ack);
    for (const [code, context] of [
      ["invalid_uri", "Invalid URI - use /v1/messages/json"],
      ["deserialization_failed", "subscriptions not an array"],
      ["deserialization_failed", "individual subscription not a string"],
      ["deserialization_failed", "failed to decode JSON object"],
      ["deserialization_failed", "failed to create Zeek event"],
    ]) assert.ok(recv.includes(errorText(code!, context!).toString("latin1")), `${code}/${context}`);
    // Broker's field writer escapes only \\ \b \f \n \r \t \v and '"'.
    assert.equal(errorText("x", 'a"\\\n\x0b\x01é').toString("latin1"), '{"type":"error","code":"x","context":"a\\"\\\\\\n\\v\x01\xc3\xa9"}');
  });

  test("X-Application-Name: Zeek's characters", () => {
    for (const ok of ["fixture-app", "a/b_c.d=e:f*g@h", "", "ABC123"]) assert.ok(validApplicationName(ok), ok);
    for (const bad of ["a b", "ä", "x\n", "a,b", "a;b"]) assert.ok(!validApplicationName(bad), bad);
  });

  test("close reasons: IXWebSocket's texts for a missing status and a lost connection", () => {
    assert.equal(closeReasonFor(1000, ""), "");
    assert.equal(closeReasonFor(1005, ""), "No status code");
    assert.equal(closeReasonFor(1006, ""), "Abnormal closure");
    assert.equal(closeReasonFor(4000, "bye"), "bye");
  });
});

describe("websocket protocol - client messages", () => {
  test("subscriptions: arrays of strings; Zeek's contexts otherwise", () => {
    assert.deepEqual(decodeSubscriptions('["/a", "b"]'), { ok: true, topics: [Buffer.from("/a"), Buffer.from("b")] });
    assert.deepEqual(decodeSubscriptions(" [] "), { ok: true, topics: [] });
    for (const t of ['{"topics": ["/demo/pong"]}', '["/demo/pong"', "", "null", '"x"', "[1"]) {
      const r = decodeSubscriptions(t);
      assert.ok(!r.ok && r.error[1] === "subscriptions not an array", t);
    }
    const r = decodeSubscriptions('["/demo/pong", 1]');
    assert.ok(!r.ok && r.error[1] === "individual subscription not a string");
    // Zeek copies topics as C strings.
    assert.deepEqual(decodeSubscriptions('["a\\u0000b"]'), { ok: true, topics: [Buffer.from("a")] });
    const many = decodeSubscriptions(JSON.stringify(["a", "b", "c"]), 2);
    assert.ok(!many.ok && many.limit === true && many.error[1] === "too many subscriptions");
  });

  test("data messages: typed by the host's declaration, Zeek's contexts for each failure", () => {
    const ok = decodeDataMessage(dataMessageJson("Demo::ping", [S("x"), C(7)]), lookup, "reject");
    assert.ok(ok.ok);
    assert.deepEqual(ok.args, ["x", 7n]);
    assert.equal(ok.topic.toString(), "/demo/ping");
    const ctx = (t: string, unknown: "forward" | "reject" = "reject") => {
      const r = decodeDataMessage(t, lookup, unknown);
      return r.ok ? "ok" : r.error[1];
    };
    assert.equal(ctx("{oops"), "failed to decode JSON object");
    assert.equal(ctx('{"type": "other"}'), "failed to decode JSON object");
    assert.equal(ctx("[1,2]"), "failed to decode JSON object");
    assert.equal(ctx('{"@data-type":"count","data":1}'), "no topic in top-level JSON object");
    assert.equal(ctx('{"topic":7,"@data-type":"count","data":1}'), "no topic in top-level JSON object");
    assert.equal(ctx('{"topic":"t","@data-type":"count","data":1}'), "failed to create Zeek event");
    assert.equal(ctx(dataMessageJson("Demo::ping", [C(1), C(2)])), "failed to create Zeek event");
    assert.equal(ctx(dataMessageJson("Demo::ping", [S("one")])), "failed to create Zeek event");
    assert.equal(ctx(dataMessageJson("Demo::nope", [S("x")])), "failed to create Zeek event");
    // Without a declaration the event is forwarded as it is, unless the host rejects unknown events.
    assert.equal(ctx(dataMessageJson("Demo::nope", [S("x")]), "forward"), "ok");
    // Broker does not check "type"; a set with a duplicate cannot be built.
    assert.equal(ctx(dataMessageJson("Demo::nope", [S("x")]).replace('"data-message"', '"whatever"'), "forward"), "ok");
    const dupSet = { "@data-type": "set", data: [C(1), C(1)] };
    assert.equal(ctx(dataMessageJson("Demo::nope", [dupSet]), "forward"), "failed to decode JSON object");
  });

  test("event metadata is kept", () => {
    const text = JSON.stringify({
      type: "data-message",
      topic: "/t",
      "@data-type": "vector",
      data: [C(1), C(1), { "@data-type": "vector", data: [S("Demo::ping"), { "@data-type": "vector", data: [S("m"), C(1)] }, { "@data-type": "vector", data: [{ "@data-type": "vector", data: [C(1), { "@data-type": "timestamp", data: "2023-11-14T22:13:20.500" }] }] }] }],
    });
    const r = decodeDataMessage(text, lookup, "reject");
    assert.ok(r.ok);
    assert.equal(r.event.metadata?.[0]?.id, 1n);
  });
});

describe("websocket protocol - the fast path of client events", () => {
  const vec = (...data: unknown[]) => ({ "@data-type": "vector", data });
  const v = (t: string, data: unknown) => ({ "@data-type": t, data });
  test("takes the common shape and writes exactly what the general decoder writes; leaves the rest to it", () => {
    const inputs = [
      ...transcript().filter((e) => e.dir === "send").map((e) => e.text!),
      ...expectedLines().map((l) => l.toString("latin1")),
      // The JSON number as a client writes it; it is a double in JS and replaced by its exact text below.
      // eslint-disable-next-line no-loss-of-precision
      dataMessageJson("Demo::ping", [S("x"), C(18446744073709551615)]).replace("18446744073709552000", "18446744073709551615"),
      dataMessageJson("X::y", [v("integer", -9223372036854775808n.toString()), v("real", 1.5e-7), v("boolean", true), v("boolean", false), vec(), vec(S("a"), vec(C(1)))]).replace('"-9223372036854775808"', "-9223372036854775808"),
      dataMessageJson("X::y", [v("address", "2001:db8::1"), v("subnet", "10.0.0.0/8"), v("port", "53/udp"), v("timespan", "1500ms"), v("enum-value", "tcp"), v("timestamp", "2023-11-14T22:13:20.123")]),
      dataMessageJson("X::y", [S("é\n")]), // an escape: general path
      dataMessageJson("X::y", [v("count", -1)]),
      dataMessageJson("X::y", [v("count", 1.5)]),
      dataMessageJson("X::y", [v("set", [C(1)])]),
      dataMessageJson("X::y", [v("address", "not an address")]),
      dataMessageJson("X::y", [S("x".repeat(20000))]),
      dataMessageJson("X::y", Array.from({ length: 200 }, () => C(1))),
      '{"@data-type":"vector","data":[],"topic":"late"}',
      '{"topic":"<$>","@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":"X::y"},{"@data-type":"vector","data":[]}]}]}',
    ];
    let fast = 0;
    for (const t of inputs) for (const mode of ["forward", "reject"] as const) if (checkPaths(Buffer.from(t, "latin1"), lookup, mode)) fast++;
    assert.ok(fast >= 10, `the fast path took ${fast} messages`);
    // Declared events: typed there too (a wrong type goes to the general path, which refuses it).
    assert.ok(fastPayload(Buffer.from(dataMessageJson("Demo::ping", [S("x"), C(1)])), lookup, "reject"));
    assert.equal(fastPayload(Buffer.from(dataMessageJson("Demo::ping", [C(1), C(1)])), lookup, "forward"), undefined);
    assert.equal(fastPayload(Buffer.from(dataMessageJson("Demo::nope", [S("x")])), lookup, "reject"), undefined);
  });
});

describe("websocket options", () => {
  test("Zeek's defaults", () => {
    const o = resolveWebSocketOptions({ listenPort: 27759 });
    assert.equal(o.listenAddr, "127.0.0.1");
    assert.equal(o.maxEventQueueSize, 32);
    assert.equal(o.pingInterval, 5);
    assert.equal(o.tls, undefined);
    assert.deepEqual(o.metrics, ["INFO"]);
    assert.equal(o.version, "8.2.2");
    assert.equal(o.maxClients, 100);
  });

  test("Zeek's rules: ping_interval cut to whole seconds, TLS needs both files, listen_addr an IP", () => {
    assert.equal(resolveWebSocketOptions({ listenPort: 1, pingInterval: 2.9 }).pingInterval, 2);
    assert.equal(resolveWebSocketOptions({ listenPort: 1, pingInterval: -1 }).pingInterval, -1);
    assert.throws(() => resolveWebSocketOptions({ listenPort: 1, tls: { certFile: "c.pem" } }), (e: Error) => e instanceof ConfigError && /No key_file field/.test(e.message));
    assert.throws(() => resolveWebSocketOptions({ listenPort: 1, tls: { keyFile: "k.pem" } }), /No cert_file field/);
    assert.throws(() => resolveWebSocketOptions({ listenPort: 1, listenAddr: "localhost" }), /listen_addr: must be an IP address/);
    assert.throws(() => resolveWebSocketOptions({ listenPort: 70000 }), /listen_port/);
  });

  test("a layout's websocket: entry in Zeek's spelling", () => {
    const o = websocketOptionsFromObject({ listen_addr: "::1", listen_port: "27759/tcp", ping_interval: "2 secs", max_event_queue_size: 8, tls_options: { cert_file: "c", key_file: "k" } }, "layout.yaml: node \"manager\"");
    assert.deepEqual(o, { listenAddr: "::1", listenPort: 27759, pingInterval: 2, maxEventQueueSize: 8, tls: { certFile: "c", keyFile: "k" } });
    assert.throws(() => websocketOptionsFromObject({ listen_prt: 1 }, "layout.yaml: node \"manager\""), /layout.yaml: node "manager": websocket.listen_prt: unknown option/);
  });
});

describe("websocket cluster.log", () => {
  test("Zeek's lines, as in the discovery fixture's cluster.log", () => {
    const log = readFileSync(resolve(FIXTURES, "discovery/cluster.log"), "utf8").split("\n").filter((l) => l.includes("WebSocket client"));
    const info = { id: "zeromq_manager_vm_13436_NeoO0O3g2oEWsSpZXf-websocket-0", network: { address: "127.0.0.1", bound_port: "45892/tcp" as const } };
    assert.equal(log[0]!.split("\t")[2], clientAddedMessage(info, ["zeek.fixtures.discovery.ws"]));
    assert.equal(log[1]!.split("\t")[2], clientLostMessage(info, 1000, ""));
    assert.equal(clientLostMessage({ ...info, application_name: "app" }, 1011, "Ping timeout"), `WebSocket client '${info.id}' (127.0.0.1:45892) application_name=app gone with code 1011 and reason 'Ping timeout'`);
    assert.equal(clientAddedMessage(info, ["a", "b"]).endsWith("subscribed to [a, b]"), true);
  });
});

describe("websocket telemetry - label values from clients are bounded", () => {
  test(`${MAX_APP_LABELS} application names, then ${OVERFLOW_LABEL}; ${MAX_VERBOSE_SERIES} VERBOSE series; each overflow counted`, () => {
    const registry = new MetricsRegistry();
    const t = new WebSocketTelemetry(registry, "127.0.0.1:27759", ["INFO", "VERBOSE"]);
    for (let i = 0; i < MAX_APP_LABELS; i++) assert.equal(t.forApp(`app-${i}`).app, `app-${i}`);
    assert.equal(t.forApp("app-0").app, "app-0", "a known application keeps its series");
    const over = t.forApp("one-too-many");
    assert.equal(over.app, OVERFLOW_LABEL);
    over.outgoing!.value++;
    assert.equal(t.forApp("and-another").outgoing, over.outgoing, "later applications share the overflow series");
    for (let i = 0; i <= MAX_VERBOSE_SERIES; i++) t.verboseEvent(true, "app-0", `/topic/${i}`, "Demo::ping");
    t.verboseEvent(true, "app-0", "/topic/0", "Demo::ping");
    const text = registry.render();
    const series = (name: string) => text.split("\n").filter((l) => l.startsWith(`${name}{`));
    assert.equal(series("zeek_cluster_websocket_outgoing_events_total").length, MAX_APP_LABELS + 1);
    assert.ok(text.includes(`zeek_cluster_websocket_outgoing_events_total{app="${OVERFLOW_LABEL}"} 1`), text.slice(0, 500));
    assert.equal(series("zeek_cluster_websocket_verbose_outgoing_events_total").length, MAX_VERBOSE_SERIES);
    assert.ok(text.includes('zeek_cluster_websocket_verbose_outgoing_events_total{app="app-0",topic="/topic/0",handler="Demo::ping"} 2'));
    assert.ok(text.includes('zeek_zmq_limit_hits_total{reason="websocket_app_labels"} 2'));
    assert.ok(text.includes('zeek_zmq_limit_hits_total{reason="websocket_verbose_series"} 1'));
  });
});
