// The WebSocket server against real clients (the `ws` package) and a real broker: ping/pong
// through the hosting node, each client its own cluster participant (seen by libzmq), three
// clients, pipelining and stalls, every error case and bound, a client that stops answering pings
// and one that never reads, telemetry, hosting by a layout node, closing.
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import WebSocket from "ws";
import * as zmq from "zeromq";
import { layoutFromObject } from "../../src/cluster/layout.js";
import { ClusterNode } from "../../src/cluster/node.js";
import { decodeEvent } from "../../src/codec/broker/event.js";
import { ConfigError } from "../../src/errors.js";
import { TEST_CWD } from "../paths.js";
import { until } from "../harness/until.js";
import { C, Client, dataMessageJson, lost, NOTE, S, startCluster, type TestCluster } from "./helpers.js";

const metric = (c: TestCluster, line: string): number => {
  const l = c.host.registry.render().split("\n").find((x) => x.startsWith(line));
  return l === undefined ? 0 : Number(l.slice(l.lastIndexOf(" ") + 1));
};
const ping = (msg: string, n: number) => dataMessageJson("Demo::ping", [S(msg), C(n)]);
const note = (who: string, topic: string) => dataMessageJson("Demo::note", [S(who)], topic);

describe("websocket server - clients through a hosting node", () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => c?.close());
  // Each test starts when the previous one's clients are gone (their websocket_client_lost raised).
  beforeEach(async () => c && (await until("previous clients gone", () => c.server.clientCount, (n) => n === 0)));

  test("one client: ping through the host, pong back; telemetry under Zeek's names", async () => {
    const cl = await Client.connect(c.server.url);
    const id = await cl.subscribe(["/demo/pong"]);
    assert.match(id, new RegExp(`^${c.host.nodeId}-websocket-\\d+$`));
    cl.send(ping("hi", 7));
    const [, pong] = await cl.waitFor(2);
    const m = JSON.parse(pong!) as { type: string; topic: string; data: [unknown, unknown, { data: [{ data: string }, { data: { data: unknown }[] }] }] };
    assert.equal(m.type, "data-message");
    assert.equal(m.topic, "/demo/pong");
    assert.equal(m.data[2].data[0].data, "Demo::pong");
    assert.deepEqual(m.data[2].data[1].data.map((a) => a.data), ["hi", 1]);
    assert.equal(metric(c, 'zeek_cluster_websocket_outgoing_events_total{node="manager",app="unknown"}'), 1);
    assert.equal(metric(c, 'zeek_cluster_websocket_incoming_events_total{node="manager",app="unknown"}'), 1);
    assert.equal(metric(c, "zeek_zmq_websocket_clients{"), 1);
    const gone = lost(c.server, id);
    await cl.close();
    assert.deepEqual((await gone).code, 1000);
    assert.equal(metric(c, "zeek_zmq_websocket_clients{"), 0);
  });

  test("each client is its own participant: real subscriptions, its own id on the wire (libzmq sees it)", async () => {
    const sub = new zmq.Subscriber();
    sub.connect(c.endpoints.connectXsubEndpoint);
    sub.subscribe("/seen-by-libzmq");
    const seen: string[] = [];
    c.host.on("subscription", (t) => seen.push(`+${t}`));
    c.host.on("unsubscription", (t) => seen.push(`-${t}`));
    // Once the broker forwards the libzmq subscription (the host sees it), a client connecting later
    // gets it with the broker's others, before its ready topic comes back: the ack implies it.
    await until("libzmq subscriber known to the broker", () => seen.includes("+/seen-by-libzmq"), (v) => v);
    const cl = await Client.connect(c.server.url);
    const id = await cl.subscribe(["/client-topic"]);
    cl.send(note("from ws", "/seen-by-libzmq/x"));
    sub.receiveTimeout = 10_000;
    const [topic, sender, format, payload] = (await sub.receive()) as Buffer[];
    assert.equal(topic!.toString(), "/seen-by-libzmq/x");
    assert.equal(sender!.toString(), id, "the message carries the client's own node id");
    assert.equal(format!.toString(), "broker-bin-v1");
    assert.deepEqual(decodeEvent(payload!).name, "Demo::note");
    // Zeek's sequence: the client's topic, the ready topic, the ready topic's cancel (discovery fixture).
    const ready = `zeek.zeromq.internal.${id}.`;
    const i = seen.indexOf("+/client-topic");
    assert.ok(i >= 0, seen.join(" "));
    assert.match(seen[i + 1]!, new RegExp(`^\\+${ready.replace(/\./g, "\\.")}\\d+\\.$`));
    assert.equal(seen[i + 2], `-${seen[i + 1]!.slice(1)}`);
    const gone = lost(c.server, id);
    await cl.close();
    await gone;
    await until("the broker dropped the client's subscription", () => seen.includes("-/client-topic"), (v) => v);
    sub.close();
  });

  test("three clients: every event reaches every subscriber but its sender; ids count up", async () => {
    const [a, b, s] = await Promise.all([Client.connect(c.server.url), Client.connect(c.server.url), Client.connect(c.server.url)]);
    const ids = await Promise.all([a.subscribe(["/three"]), b.subscribe(["/three/"]), s.subscribe(["/three"])]);
    assert.equal(new Set(ids).size, 3);
    const nums = ids.map((id) => Number(id.slice(id.lastIndexOf("-") + 1)));
    assert.deepEqual([...nums].sort((x, y) => x - y), [Math.min(...nums), Math.min(...nums) + 1, Math.min(...nums) + 2]);
    for (let i = 0; i < 5; i++) s.send(note(`n${i}`, "/three/x"));
    const got = async (cl: Client) => (await cl.waitFor(6)).slice(1).map((t) => (JSON.parse(t) as { data: [unknown, unknown, { data: [unknown, { data: { data: string }[] }] }] }).data[2].data[1].data[0]!.data);
    assert.deepEqual(await got(a), ["n0", "n1", "n2", "n3", "n4"]);
    assert.deepEqual(await got(b), ["n0", "n1", "n2", "n3", "n4"]);
    // A round trip later nothing came back to the sender.
    a.send(note("done", "/three/x"));
    await s.waitFor(2);
    assert.equal(s.received.length, 2);
    assert.match(s.received[1]!, /"done"/);
    await Promise.all([a.close(), b.close(), s.close()]);
  });

  test("pipelining: 200 events sent with the subscriptions arrive in order after the ack", async () => {
    const cl = await Client.connect(c.server.url);
    const before = c.log.lines.length;
    cl.send('["/demo/pong"]');
    for (let i = 0; i < 200; i++) cl.send(ping("pipe", i));
    const msgs = await cl.waitFor(201);
    assert.match(msgs[0]!, /^\{"type":"ack"/);
    const got = c.log.lines.slice(before).filter((l) => l.includes("pipe"));
    assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => `manager: got Demo::ping(pipe, ${i})`));
    // The queue holds max_event_queue_size (32) messages: the client was stalled, nothing lost.
    assert.ok(metric(c, `zeek_cluster_onloop_queue_blocks_total{node="manager",tag="WebSocketEventDispatcher:127.0.0.1:${c.server.port}"}`) >= 1);
    await cl.close();
  });

  test("errors keep the connection open: bad JSON, not a data message, wrong types, unknown event", async () => {
    const cl = await Client.connect(c.server.url);
    await cl.subscribe([]);
    cl.send("{oops");
    cl.send('{"type":"other"}');
    cl.send(dataMessageJson("Demo::ping", [C(1), C(2)]));
    cl.send(dataMessageJson("Demo::nope", [S("x")]));
    cl.send('{"@data-type":"count","data":1}');
    const msgs = (await cl.waitFor(6)).slice(1).map((t) => (JSON.parse(t) as { context: string }).context);
    assert.deepEqual(msgs, ["failed to decode JSON object", "failed to decode JSON object", "failed to create Zeek event", "failed to create Zeek event", "no topic in top-level JSON object"]);
    assert.equal(cl.ws.readyState, WebSocket.OPEN);
    await cl.close();
  });

  test("bad URI and bad X-Application-Name: Zeek's error, then close 1008; no websocket_client_lost", async () => {
    const lostIds: string[] = [];
    const onLost = (i: { id: string }) => lostIds.push(i.id);
    c.server.on("websocket_client_lost", onLost);
    const bad = await Client.connect(c.server.url, { path: "/v1/other" });
    assert.deepEqual(await bad.closed, { code: 1008, reason: "Invalid URI - use /v1/messages/json" });
    assert.deepEqual(bad.received, ['{"type":"error","code":"invalid_uri","context":"Invalid URI - use /v1/messages/json"}']);
    const app = await Client.connect(c.server.url, { headers: { "X-Application-Name": "no spaces" } });
    assert.deepEqual(await app.closed, { code: 1008, reason: "Invalid X-Application-Name" });
    assert.deepEqual(app.received, ['{"type":"error","code":"invalid_application_name","context":"Invalid X-Application-Name"}']);
    const good = await Client.connect(c.server.url, { headers: { "X-Application-Name": "my-app/1.0" } });
    const added = once(c.server, "websocket_client_added");
    await good.subscribe([]);
    assert.equal(((await added)[0] as { application_name: string }).application_name, "my-app/1.0");
    const gone = lost(c.server);
    await good.close();
    assert.equal((await gone).info.application_name, "my-app/1.0");
    c.server.off("websocket_client_lost", onLost);
    assert.equal(lostIds.length, 1);
    assert.ok(metric(c, 'zeek_cluster_websocket_outgoing_events_total{node="manager",app="my-app/1.0"}') === 0);
  });

  test("plain HTTP gets 426; a connection that never upgrades is cut at handshake_timeout", async () => {
    const res = await fetch(c.server.url.replace("ws://", "http://"));
    assert.equal(res.status, 426);
    await res.text();
    const s = connect(c.server.port, "127.0.0.1");
    await once(s, "connect");
    const t0 = Date.now();
    await once(s, "close");
    const waited = Date.now() - t0;
    assert.ok(waited >= 2500 && waited < 8000, `cut after ${waited} ms (handshake_timeout 3 s)`);
    assert.ok(metric(c, 'zeek_zmq_limit_hits_total{node="manager",reason="websocket_handshake_timeout"}') >= 1);
  });

  test("listening again: same options return the same server, other options on the port are refused", async () => {
    const opts = { listenPort: c.server.port, events: c.server.options.events, unknownEvents: "reject" as const };
    assert.equal(await c.host.listenWebsocket(opts), c.server);
    await assert.rejects(c.host.listenWebsocket({ ...opts, maxClients: 5 }), (e: Error) => e instanceof ConfigError && /Already listening on 127\.0\.0\.1:\d+/.test(e.message));
    await assert.rejects(c.host.listenWebsocket({ listenPort: c.server.port, listenAddr: "127.0.0.1", maxClients: 3 }), /Already listening/);
  });
});

describe("websocket server - bounds", () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster({ maxClients: 2, maxSubscriptions: 3, maxMessageSize: 4096, idleTimeout: 1, pingInterval: 1 });
  });
  after(async () => c?.close());
  beforeEach(async () => c && (await until("previous clients gone", () => c.server.clientCount, (n) => n === 0)));
  const hits = (reason: string) => metric(c, `zeek_zmq_limit_hits_total{node="manager",reason="${reason}"}`);

  test("max_subscriptions: Zeek's error shape, then close 1008", async () => {
    const cl = await Client.connect(c.server.url);
    cl.send(JSON.stringify(["a", "b", "c", "d"]));
    assert.deepEqual(await cl.closed, { code: 1008, reason: "too many subscriptions" });
    assert.deepEqual(cl.received, ['{"type":"error","code":"deserialization_failed","context":"too many subscriptions"}']);
    assert.equal(hits("websocket_max_subscriptions"), 1);
  });

  test("max_message_size: a larger message closes the client with 1009", async () => {
    const cl = await Client.connect(c.server.url);
    await cl.subscribe([]);
    const gone = lost(c.server);
    cl.send(note("x".repeat(5000), "/big"));
    assert.equal((await cl.closed).code, 1009);
    assert.equal((await gone).code, 1009);
    assert.equal(hits("websocket_max_message_size"), 1);
  });

  test("idle_timeout: no subscription message in time closes with 1008 \"Idle timeout\"", async () => {
    const cl = await Client.connect(c.server.url);
    const gone = lost(c.server);
    assert.deepEqual(await cl.closed, { code: 1008, reason: "Idle timeout" });
    assert.deepEqual(await gone.then((g) => [g.code, g.reason]), [1008, "Idle timeout"]);
    assert.ok(hits("websocket_idle_timeout") >= 1);
  });

  test("max_clients: the next client gets HTTP 503", async () => {
    const a = await Client.connect(c.server.url);
    const b = await Client.connect(c.server.url);
    const refused = new WebSocket(c.server.url);
    const [, res] = (await once(refused, "unexpected-response")) as [unknown, { statusCode: number }];
    assert.equal(res.statusCode, 503);
    refused.on("error", () => undefined);
    refused.terminate();
    assert.equal(hits("websocket_max_clients"), 1);
    await Promise.all([a.subscribe([]), b.subscribe([])]);
    await Promise.all([a.close(), b.close()]);
  });

  test("connections in their handshake: at most max_clients; more are cut, counted, warned once per address", async () => {
    const open = async () => {
      const s = connect(c.server.port, "127.0.0.1");
      await once(s, "connect");
      return s;
    };
    const pending = [await open(), await open()];
    const refused = [await open(), await open()];
    await Promise.all(refused.map((s) => once(s, "close")));
    assert.equal(hits("websocket_pending_handshakes"), 2);
    const warned = c.log.warnings.filter((w) => w.includes("in their handshake"));
    assert.equal(warned.length, 1, warned.join("\n"));
    assert.match(warned[0]!, /^WebSocket server ws:\/\/127\.0\.0\.1:\d+\/v1\/messages\/json: 127\.0\.0\.1: refused: already 2 connections in their handshake \(max_clients\)$/);
    for (const s of pending) s.destroy();
    // Once they are gone, a client gets in again.
    await until("handshake slots free", async () => {
      const cl = await Client.connect(c.server.url).catch(() => undefined);
      if (cl === undefined) return false;
      await cl.close();
      return true;
    }, (ok) => ok);
  });

  test("a client that stops answering pings is closed with 1011 \"Ping timeout\"", async () => {
    const cl = await Client.connect(c.server.url, { autoPong: false });
    const id = await cl.subscribe([]);
    const gone = lost(c.server, id);
    assert.deepEqual(await cl.closed, { code: 1011, reason: "Ping timeout" });
    const g = await gone;
    assert.deepEqual([g.code, g.reason], [1011, "Ping timeout"]);
  });
});

describe("websocket server - a client that never reads", () => {
  test("events for it are dropped past max_buffered_bytes, then pings close it; a reading client gets everything", async () => {
    const c = await startCluster({ pingInterval: 2, maxBufferedBytes: 1024 * 1024 });
    try {
      const stuck = await Client.connect(c.server.url);
      const stuckId = await stuck.subscribe(["/flood"]);
      const fine = await Client.connect(c.server.url);
      await fine.subscribe(["/flood"]);
      // The client stops reading its socket (pings included).
      (stuck.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const gone = lost(c.server, stuckId);
      // 12 MB: more than the kernel's socket buffers of both ends take on loopback. Paced by the
      // reading client, so that only the stuck one falls behind.
      const payload = "y".repeat(40_000);
      for (let batch = 0; batch < 30; batch++) {
        for (let i = 0; i < 10;) {
          if (c.host.publish("/flood", NOTE, [payload])) i++;
          else await once(c.host, "drain");
        }
        await fine.waitFor(1 + 10 * (batch + 1), 20_000);
      }
      assert.ok(metric(c, "zeek_zmq_websocket_dropped_events_total{") > 0, "events for the stuck client were dropped");
      assert.equal(metric(c, 'zeek_zmq_limit_hits_total{node="manager",reason="websocket_max_buffered_bytes"}'), 1);
      const g = await gone;
      assert.deepEqual([g.code, g.reason], [1011, "Ping timeout"]);
      assert.equal(fine.received.length, 301);
      stuck.ws.terminate();
      await fine.close();
    } finally {
      await c.close();
    }
  });
});

describe("websocket server - hosting and closing", () => {
  test("the host writes Zeek's cluster.log lines for clients added and lost", async () => {
    const c = await startCluster();
    const dir = mkdtempSync(join(TEST_CWD, "cluster-log-"));
    try {
      const host = new ClusterNode({ name: "logging-host", options: { ...c.endpoints }, logging: { dir, format: "json", flushInterval: 0.05 } });
      await host.start();
      const server = await host.listenWebsocket({ listenPort: 0 });
      const cl = await Client.connect(server.url, { headers: { "X-Application-Name": "log-test" } });
      const id = await cl.subscribe(["/b", "/a", "/b"]);
      const gone = lost(server, id);
      await cl.close(4000);
      await gone;
      await host.close();
      const lines = readFileSync(join(dir, "cluster.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { node: string; message: string }).filter((l) => l.message.startsWith("WebSocket client"));
      const port = /:(\d+)\)/.exec(lines[0]!.message)?.[1];
      assert.deepEqual(
        lines.map((l) => [l.node, l.message]),
        [
          ["logging-host", `WebSocket client '${id}' (127.0.0.1:${port}) application_name=log-test subscribed to [/a, /b]`],
          ["logging-host", `WebSocket client '${id}' (127.0.0.1:${port}) application_name=log-test gone with code 4000`],
        ],
      );
    } finally {
      await c.close();
    }
  });

  test("a layout node with websocket: options serves the API when it starts; close sends 1001 Terminating", async () => {
    const c = await startCluster();
    try {
      const layout = layoutFromObject({ nodes: { manager2: { type: "manager", websocket: { listen_addr: "127.0.0.1", listen_port: 0, ping_interval: "5 sec" } } } }, "test-layout");
      const node = new ClusterNode({ name: "manager2", layout, options: { ...c.endpoints, runProxyThread: false }, logging: { dir: TEST_CWD } });
      await node.start();
      const [server] = node.websocketServers();
      assert.ok(server);
      const lostEvents: unknown[] = [];
      server.on("websocket_client_lost", (...a) => lostEvents.push(a));
      const cl = await Client.connect(server.url);
      assert.match(await cl.subscribe(["x"]), /^zeromq_manager2_.*-websocket-0$/);
      await node.close();
      assert.deepEqual(await cl.closed, { code: 1001, reason: "Terminating" });
      assert.equal(lostEvents.length, 0, "Zeek raises no websocket_client_lost for a terminating server");
    } finally {
      await c.close();
    }
  });

  test("a host with broker-json-v1 publishes clients' events in JSON; VERBOSE metrics label topic and handler", async () => {
    const c = await startCluster();
    try {
      const host = new ClusterNode({ name: "json-host", options: { ...c.endpoints }, eventFormat: "broker-json-v1", logging: { dir: TEST_CWD } });
      await host.start();
      const server = await host.listenWebsocket({ listenPort: 0, metrics: ["INFO", "VERBOSE"] });
      const sub = new zmq.Subscriber();
      const known = new Promise((r) => host.on("subscription", (t) => t === "/json" && r(t)));
      sub.connect(c.endpoints.connectXsubEndpoint);
      sub.subscribe("/json");
      await known; // the broker has it: a client connecting now gets it before its ack
      const cl = await Client.connect(server.url, { headers: { "X-Application-Name": "jsonapp" } });
      await cl.subscribe([]);
      cl.send(note("j", "/json/t"));
      const [, , format, payload] = (await sub.receive()) as Buffer[];
      assert.equal(format!.toString(), "broker-json-v1");
      assert.match(payload!.toString(), /"Demo::note"/);
      const text = host.registry.render();
      assert.match(text, /zeek_cluster_websocket_verbose_outgoing_events_total\{node="json-host",app="jsonapp",topic="\/json\/t",handler="Demo::note"\} 1/);
      sub.close();
      await cl.close();
      await host.close();
    } finally {
      await c.close();
    }
  });
});
