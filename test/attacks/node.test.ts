// The fast subset of the node attacks (in `npm test`): a real `zeek-zmq node` behind a real
// broker, attacked by a raw ZMTP peer publishing through the broker. The full-size attacks are in
// node-*.attack.ts (`npm run test:attacks`).
import assert from "node:assert/strict";
import { test } from "node:test";
import { CLUSTER_HELLO, ZEROMQ_HELLO } from "../../src/cluster/node-types.js";
import { assertCleanStderr, ATTACK_PREFIX, eventFrames, eventPayload, flood, hostilePublisher, metricAtLeast, victimBehindBroker } from "./node-helpers.js";

const LAYOUT = { nodes: { manager: { type: "manager" }, victim: { type: "worker" } }, options: { run_proxy_thread: false } };

test("node attack (fast) - truncated and junk-suffixed payloads of an unhandled event are msg_errors, handled or not", async (t) => {
  const { broker, victim, good } = await victimBehindBroker(t);
  const attacker = await hostilePublisher(t, broker);
  const ok = eventPayload("Attack::unhandled", "hello");
  await flood(attacker, 1500, (i) =>
    eventFrames(`${ATTACK_PREFIX}x`, "attacker", i < 500 ? ok.subarray(0, i % ok.length) : i < 1000 ? Buffer.concat([ok, Buffer.from([i & 0xff])]) : ok),
  );
  await metricAtLeast(victim, "zeek_cluster_core_incoming_events_total", 500);
  await metricAtLeast(victim, "zeek_cluster_zeromq_msg_errors_total", 1000);
  await good.check();
  assert.equal(await victim.metric("zeek_cluster_zeromq_msg_errors_total"), 1000);
  // The 500 valid ones (and the good events) are events; none of the broken ones.
  const events = await victim.metric("zeek_cluster_core_incoming_events_total");
  assert.ok(events >= 500 + 11 && events < 1000, `incoming events ${events}`);
  // Rate-limited: 1000 undecodable messages, a handful of lines.
  assert.ok(victim.proc.err.length <= 12, victim.proc.err.join("\n"));
  assertCleanStderr(victim);
});

test("node attack (fast) - hostile topics, sender ids, event names and hello names never reach stderr raw", async (t) => {
  const { broker, victim, good } = await victimBehindBroker(t, ["--max-pending-hellos", "50"], { layout: LAYOUT });
  const attacker = await hostilePublisher(t, broker);
  const evil = "\nzeek-zmq node[victim]: error: FORGED \u001b[2J\u202e";
  const nodeidTopic = `zeek.cluster.nodeid.${victim.id}.`;
  await flood(attacker, 300, (i) => {
    const id = `fake-${i}${evil}`;
    switch (i % 5) {
      case 0: // undecodable, with a hostile topic and sender id
        return eventFrames(`${ATTACK_PREFIX}${evil}`, `sender${evil}`, Buffer.from([0x0e, 0x03, 0xff]));
      case 1: // a hostile event name, truncated
        return eventFrames(`${ATTACK_PREFIX}x`, "s", eventPayload(`Attack::${evil}${i}`).subarray(0, 40));
      case 2: // ZeroMQ::hello with a hostile name and id (the sender frame matches the id)
        return eventFrames(nodeidTopic, id, ZEROMQ_HELLO.encode([`evil${evil}`, id]));
      case 3: // Cluster::hello from a node not in the layout
        return eventFrames(nodeidTopic, `intruder-${i}`, CLUSTER_HELLO.encode([`intruder${evil}`, `intruder-${i}`]));
      default: // a hello whose id is not its sender's
        return eventFrames(nodeidTopic, `someone-${i}`, ZEROMQ_HELLO.encode(["worker-x", `other-${i}`]));
    }
  });
  // 60 undecodable + 60 truncated + 60 invalid hello ids + 60 forged senders.
  await metricAtLeast(victim, "zeek_cluster_zeromq_msg_errors_total", 240);
  await good.check();
  assert.equal(await victim.metric("zeek_cluster_zeromq_msg_errors_total"), 240);
  assert.ok(victim.proc.err.length > 0 && victim.proc.err.length <= 30, victim.proc.err.join("\n"));
  assert.ok(victim.proc.err.some((l) => l.includes("\\nzeek-zmq node[victim]: error: FORGED \\x1b[2J\\u202e")), victim.proc.err.join("\n"));
  assertCleanStderr(victim);
  assert.equal(victim.proc.out.filter((l) => l.startsWith("node_")).length, 0, "no node_up/node_down for anyone");
});

test("node attack (fast) - distinct topics and event names: no series by default; with VERBOSE a cap and an overflow series", async (t) => {
  const def = await victimBehindBroker(t);
  const vb = await victimBehindBroker(t, ["--core-metrics", "INFO,VERBOSE", "--max-metric-series", "100"], { name: "verbose" });
  for (const { broker, victim, good } of [def, vb]) {
    const attacker = await hostilePublisher(t, broker);
    await flood(attacker, 2000, (i) => eventFrames(`${ATTACK_PREFIX}${i}`, "attacker", eventPayload(`Attack::e${i}`)));
    await metricAtLeast(victim, "zeek_cluster_core_incoming_events_total", 2000);
    await good.check();
  }
  const text = await (await fetch(def.victim.metricsUrl)).text();
  assert.doesNotMatch(text, /verbose/);
  assert.ok(text.length < 20_000, `${text.length} bytes`);
  const vtext = await (await fetch(vb.victim.metricsUrl)).text();
  const series = vtext.split("\n").filter((l) => l.startsWith("zeek_cluster_core_verbose_incoming_events_total{"));
  assert.equal(series.length, 101);
  assert.ok(await vb.victim.metric("zeek_cluster_core_verbose_incoming_events_total", { topic: "__overflow__" }) >= 1900);
  assert.ok(await vb.victim.metric("zeek_zmq_limit_hits_total", { reason: "max_metric_series" }) >= 1900);
  assert.ok(vb.victim.proc.err.some((l) => l.includes("max_metric_series")), vb.victim.proc.err.join("\n"));
  assertCleanStderr(vb.victim, "verbose");
});

test("node attack (fast) - fake node ids: pending hellos capped, unmatched hellos never answered", async (t) => {
  const { broker, victim, good } = await victimBehindBroker(t, ["--max-pending-hellos", "50"], { layout: LAYOUT });
  const attacker = await hostilePublisher(t, broker);
  const topic = `zeek.cluster.nodeid.${victim.id}.`;
  const out0 = await victim.metric("zeek_cluster_core_outgoing_events_total");
  await flood(attacker, 500, (i) => eventFrames(topic, `fake-${i}`, ZEROMQ_HELLO.encode([`ghost-${i}`, `fake-${i}`])));
  await metricAtLeast(victim, "zeek_zmq_limit_hits_total", 450, { reason: "max_pending_hellos" });
  await good.check();
  assert.equal(await victim.metric("zeek_zmq_limit_hits_total", { reason: "max_pending_hellos" }), 450);
  // Unmatched hellos are never answered: nothing was published because of them.
  assert.equal(await victim.metric("zeek_cluster_core_outgoing_events_total"), out0);
  assertCleanStderr(victim);
});
