// A node's parts as wireNode() builds and joins them, without connecting a socket: what arrives
// reaches the node's dispatcher, the dispatcher's reports reach the metrics and the reporter, and
// discovery's hellos, node_up, cluster.log lines and pools are joined to the node.
import assert from "node:assert/strict";
import { EventEmitter, once } from "node:events";
import { test } from "node:test";
import { FORMAT as BIN_FORMAT } from "../../src/codec/broker/bin.js";
import { defineEvent } from "../../src/codec/broker/typed.js";
import { z } from "../../src/codec/broker/types.js";
import { EventDispatcher } from "../../src/cluster/dispatcher.js";
import { layoutFromObject } from "../../src/cluster/layout.js";
import type { HandlerReports } from "../../src/cluster/node-api.js";
import { CLUSTER_HELLO, ZEROMQ_HELLO, type ClusterNodeConfig, type ClusterNodeEvents } from "../../src/cluster/node-types.js";
import { wireNode } from "../../src/cluster/node-wiring.js";
import { DEFAULT_NODE_OPTIONS } from "../../src/cluster/options.js";
import { nodeidTopic } from "../../src/cluster/topics.js";
import { ConfigError, DecodeError } from "../../src/errors.js";
import { MetricsRegistry } from "../../src/telemetry/registry.js";
import { PackedMessage } from "../../src/transport/packed.js";

const layout = layoutFromObject(
  { nodes: [{ name: "manager", type: "manager", host: "127.0.0.1" }, { name: "worker-1", type: "worker", host: "127.0.0.1" }] },
  "wiring-test",
);
const ping = defineEvent("Test::ping", [z.string, z.count]);

const msg = (topic: string, sender: string, payload: Buffer) => PackedMessage.of([Buffer.from(topic), Buffer.from(sender), Buffer.from(BIN_FORMAT), payload]);

/** Wires `cfg` as ClusterNode does, recording what the parts ask of their node. */
function wire(cfg: ClusterNodeConfig) {
  const events = new EventEmitter<ClusterNodeEvents>();
  const published: [topic: string, event: string, args: readonly unknown[]][] = [];
  const clusterLog: string[] = [];
  const node: { reports?: HandlerReports } = {};
  // As NodeHandlers does: the dispatcher reports to the node's reports, read when it reports.
  const dispatcher = new EventDispatcher({
    incoming: (topic, name) => node.reports!.incoming(topic, name),
    undecodable: (topic, format, sender, e) => node.reports!.undecodable(topic, format, sender, e),
    handlerFailed: (name, e) => node.reports!.handlerFailed(name, e),
    discovery: (name, format, payload, event, m) => node.reports!.discovery?.(name, format, payload, event, m) ?? false,
  });
  const parts = wireNode(cfg, {
    events,
    dispatcher,
    publish: (topic, decl, args) => published.push([topic, decl.name, args]) > 0,
    clusterLog: (m) => void clusterLog.push(m),
    fatal: (m) => assert.fail(`unexpected fatal: ${m}`),
  });
  node.reports = parts.reports;
  /** Hands `m` to the inbound side as the XSUB reader does: into the onloop queue, then dispatched. */
  const arrive = (m: PackedMessage) => {
    assert.equal(parts.inbound.onloop.push(m), true);
    parts.inbound.onloop.schedule();
  };
  return { parts, events, dispatcher, published, clusterLog, arrive };
}

test("node wiring - Zeek's defaults under the config's options; pools and discovery only with a layout", async (t) => {
  const lone = wire({ name: "lone", options: { xpubSndhwm: 7 } });
  t.after(() => lone.parts.link.close());
  const { parts } = lone;
  assert.equal(parts.prefix, "zeek-zmq[lone]");
  assert.deepEqual(parts.options, { ...DEFAULT_NODE_OPTIONS, xpubSndhwm: 7 });
  assert.equal(parts.eventFormat, BIN_FORMAT);
  assert.match(parts.nodeId, /^zeromq_lone_/);
  assert.equal(parts.pools, undefined);
  assert.equal(parts.discovery, undefined);
  assert.equal(parts.reports.discovery!(ZEROMQ_HELLO.name, BIN_FORMAT, Buffer.alloc(0), undefined, msg("t", "x", Buffer.alloc(0))), false);

  const manager = wire({ name: "manager", layout, nodeId: "zeromq_manager_test" });
  t.after(() => manager.parts.link.close());
  assert.equal(manager.parts.nodeId, "zeromq_manager_test");
  assert.deepEqual(Object.keys(manager.parts.pools ?? {}).sort(), ["logger", "proxy", "worker"]);
  assert.notEqual(manager.parts.discovery, undefined);

  const quiet = wire({ name: "manager", layout, discovery: false });
  t.after(() => quiet.parts.link.close());
  assert.notEqual(quiet.parts.pools, undefined);
  assert.equal(quiet.parts.discovery, undefined, "discovery: false turns it off even with a layout");

  const greeting = wire({ name: "lone-2", discovery: true });
  t.after(() => greeting.parts.link.close());
  assert.notEqual(greeting.parts.discovery, undefined, "discovery: true without a layout");
  assert.equal(greeting.parts.pools, undefined);
});

test("node wiring - a layout that does not name the node is a ConfigError, before anything is registered", () => {
  const registry = new MetricsRegistry();
  assert.throws(() => wire({ name: "nobody", layout, registry }), ConfigError);
  assert.equal(registry.render(), "");
});

test("node wiring - what arrives reaches the node's dispatcher; the onloop gauge reads the queue", async (t) => {
  const { parts, events, dispatcher, arrive } = wire({ name: "lone", nodeId: "zeromq_lone_test" });
  t.after(() => parts.link.close());
  const got = new Promise<unknown[]>((resolve) => dispatcher.add(ping as never, ((...args: unknown[]) => resolve(args)) as never));
  assert.match(parts.registry.render(), /^zeek_zmq_onloop_queue_length\{node="lone"\} 0$/m);
  assert.equal(parts.inbound.onloop.push(msg("t.a", "zeromq_peer", ping.encode(["x", 1n]))), true);
  assert.match(parts.registry.render(), /^zeek_zmq_onloop_queue_length\{node="lone"\} 1$/m);
  parts.inbound.onloop.schedule();
  assert.deepEqual(await got, ["x", 1n]);
  assert.equal(parts.inbound.onloop.length, 0);
  assert.match(parts.registry.render(), /^zeek_cluster_core_incoming_events_total\{node="lone"\} 1$/m, "the dispatcher's incoming report counts in Zeek's core metrics");
  const warned = once(events, "reporter_warning");
  arrive(msg("t.a", "zeromq_peer", Buffer.from("not an event")));
  assert.match(String((await warned)[0]), /dropped undecodable broker-bin-v1 message on "t\.a" from sender "zeromq_peer"/);
  assert.equal(parts.metrics.msgErrors.value, 1, "an undecodable message is counted");
});

test("node wiring - the reports reach the metrics and the node's reporter_warning, peer warnings once", (t) => {
  const { parts, events } = wire({ name: "lone" });
  t.after(() => parts.link.close());
  const warnings: string[] = [];
  events.on("reporter_warning", (m) => warnings.push(m));
  parts.reports.undecodable("t.\x1b[31m", "broker-bin-v1", Buffer.from("peer"), new DecodeError("broker-bin-v1", "truncated", 3, "bad payload"));
  assert.equal(parts.metrics.msgErrors.value, 1);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /dropped undecodable broker-bin-v1 message on "t\.\\x1b\[31m" from sender "peer"/);
  parts.reports.eventsDropped("Test::ping", 10);
  parts.reports.eventsDropped("Test::ping", 10);
  assert.equal(parts.metrics.onloopDrops.value, 2);
  assert.deepEqual(warnings.slice(1), ["events(Test::ping): the loop falls behind, 10 events wait; further ones are dropped and counted in zeek_cluster_zeromq_onloop_drops_total"]);
});

test("node wiring - discovery is joined to the node: hellos go out through publish, node_up, cluster.log, pools, zeek_zmq_node_up", async (t) => {
  const { parts, events, published, clusterLog, arrive } = wire({ name: "manager", layout, nodeId: "zeromq_manager_test" });
  t.after(() => parts.link.close());
  const worker = "zeromq_worker-1_test";
  const topic = nodeidTopic(worker, parts.options.nodeidTopicPrefix);
  // The worker subscribed its nodeid topic (seen on our XPUB): we say ZeroMQ::hello to it.
  parts.discovery!.discovery.onSubscription(topic, Date.now());
  // Its ZeroMQ::hello, then its Cluster::hello, arrive on our XSUB.
  arrive(msg(nodeidTopic("zeromq_manager_test", parts.options.nodeidTopicPrefix), worker, ZEROMQ_HELLO.encode(["worker-1", worker])));
  const up = once(events, "node_up");
  arrive(msg(nodeidTopic("zeromq_manager_test", parts.options.nodeidTopicPrefix), worker, CLUSTER_HELLO.encode(["worker-1", worker])));
  assert.deepEqual(await up, ["worker-1", worker]);
  assert.deepEqual(published, [
    [topic, ZEROMQ_HELLO.name, ["manager", "zeromq_manager_test"]],
    [topic, CLUSTER_HELLO.name, ["manager", "zeromq_manager_test"]],
  ]);
  assert.deepEqual(clusterLog, [`got hello from worker-1 (${worker})`]);
  assert.equal(parts.pools!.worker.aliveCount, 1);
  assert.match(parts.registry.render(), /^zeek_zmq_node_up\{node="manager",peer="worker-1"\} 1$/m);
});
