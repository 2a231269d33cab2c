// Discovery under attack: the hello handshake is driven by what peers subscribe and publish, so a
// peer can invent node ids as fast as it can send. The state a peer can grow is bounded
// (max_pending_hellos, max_seen_topics, max_node_id_length), the oldest unmatched ids are the
// ones forgotten, and a real node joining during the flood still comes up.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZEROMQ_HELLO } from "../../src/cluster/node-types.js";
import { ZmtpAttacker } from "./harness.js";
import { until } from "../harness/until.js";
import { assertCleanStderr, eventFrames, flood, hostilePublisher, metricAtLeast, report, RssSampler, startVictim, victimBehindBroker } from "./node-helpers.js";

const LAYOUT = { nodes: { manager: { type: "manager" }, victim: { type: "worker" }, "worker-2": { type: "worker" } }, options: { run_proxy_thread: false } };
// Short fake ids: the node's XPUB keeps every subscription in the transport's trie, which the
// transport's own limits bound (its attack tests); here the discovery state is what is measured.
const N = 20_000;

test("node attack - 20,000 fake nodeid subscriptions and 20,000 hellos from nodes not in the layout", async (t) => {
  // The broker's own per-peer bound (max_subscriptions_per_peer, 10,000 by default; its attack
  // tests) would stop the fake subscriptions before the node: raised so they all reach it.
  const brokerArgs = ["--max-subscriptions-per-peer", String(2 * N)];
  const { broker, victim, good } = await victimBehindBroker(t, ["--max-seen-topics", "10000", "--max-pending-hellos", "5000"], { layout: LAYOUT, broker: brokerArgs });
  const rss = new RssSampler(victim);
  const out0 = await victim.metric("zeek_cluster_core_outgoing_events_total");

  // Fake nodes subscribing to their nodeid topics: a raw XSUB peer on the broker's XPUB; the broker
  // forwards every subscription to every node's XPUB.
  const subscriber = await ZmtpAttacker.connect(broker.xpub, "XSUB");
  t.after(() => subscriber.close());
  const subscribing = subscriber.flood(N, (i) => subscriber.subscribe(`zeek.cluster.nodeid.s${i}.`));
  // Fake nodes saying ZeroMQ::hello to the victim (each with its own id as sender, as Zeek does).
  const publisher = await hostilePublisher(t, broker);
  const topic = `zeek.cluster.nodeid.${victim.id}.`;
  const helloing = flood(publisher, N, (i) => eventFrames(topic, `h${i}`, ZEROMQ_HELLO.encode([`ghost-${i}`, `h${i}`])));
  await good.check(5);

  // A real node joins while the flood runs: both sides see node_up.
  const worker2 = await startVictim(t, broker, [], { name: "worker-2", layout: LAYOUT });
  await victim.proc.line(new RegExp(`^node_up worker-2 ${worker2.id}$`));
  await worker2.proc.line(new RegExp(`^node_up victim ${victim.id}$`));

  assert.equal(await subscribing, N);
  await helloing;
  await metricAtLeast(victim, "zeek_zmq_limit_hits_total", N - 10_000, { reason: "max_seen_topics" });
  // Every fake id beyond the 5,000 pending ones made the oldest be forgotten (hellos the node
  // could not take in time are onloop drops instead).
  await until(
    "hellos and subscriptions handled",
    async () => (await victim.metric("zeek_zmq_limit_hits_total", { reason: "max_pending_hellos" })) + (await victim.metric("zeek_cluster_zeromq_onloop_drops_total")),
    (n) => n >= 2 * N - 5_000 - 10,
  );
  await good.check();
  const growth = rss.stop();
  const pendingHits = await victim.metric("zeek_zmq_limit_hits_total", { reason: "max_pending_hellos" });
  const seenHits = await victim.metric("zeek_zmq_limit_hits_total", { reason: "max_seen_topics" });
  const hellosOut = (await victim.metric("zeek_cluster_core_outgoing_events_total")) - out0;
  report("node-discovery", { fake_subscriptions: N, fake_hellos: N, max_pending_hellos_hits: pendingHits, max_seen_topics_hits: seenHits, hellos_published: hellosOut, rss_growth_mb: growth, stderr_lines: victim.proc.err.length });
  // One ZeroMQ::hello per fake subscription (as Zeek answers every nodeid subscription), none for
  // the fake hellos (never matched), plus the real handshake with worker-2.
  assert.ok(hellosOut <= N + 10, `published ${hellosOut}`);
  assert.ok(seenHits >= N - 10_000, `max_seen_topics hits ${seenHits}`);
  // Mostly the XPUB's subscription trie (the transport's): 20,000 topics.
  assert.ok(growth < 100, `RSS grew ${growth.toFixed(1)} MB`);
  assert.ok(victim.proc.err.length <= 40, `${victim.proc.err.length} stderr lines`);
  assertCleanStderr(victim);
  // Nobody else came up or went down.
  assert.deepEqual(victim.proc.out.filter((l) => l.startsWith("node_")), [`node_up worker-2 ${worker2.id}`]);
});

test("node attack - node ids of 100,000 characters in hellos (and 2,000 in subscriptions) are refused (max_node_id_length)", async (t) => {
  const { broker, victim, good } = await victimBehindBroker(t, [], { layout: LAYOUT });
  const rss = new RssSampler(victim);
  const subscriber = await ZmtpAttacker.connect(broker.xpub, "XSUB");
  t.after(() => subscriber.close());
  const publisher = await hostilePublisher(t, broker);
  const topic = `zeek.cluster.nodeid.${victim.id}.`;
  const long = (i: number): string => `${i}-${"L".repeat(100_000)}`;
  await subscriber.flood(20, (i) => subscriber.subscribe(`zeek.cluster.nodeid.${i}-${"S".repeat(2000)}.`));
  await flood(publisher, 200, (i) => eventFrames(topic, long(i), ZEROMQ_HELLO.encode([`ghost-${i}`, long(i)])));
  await until(
    "long ids refused",
    async () => (await victim.metric("zeek_zmq_limit_hits_total", { reason: "max_node_id_length" })) + (await victim.metric("zeek_cluster_zeromq_onloop_drops_total")),
    (n) => n >= 220,
  );
  await good.check();
  const growth = rss.stop();
  const hits = await victim.metric("zeek_zmq_limit_hits_total", { reason: "max_node_id_length" });
  report("node-discovery-long-ids", { hellos: 200, subscriptions: 20, max_node_id_length_hits: hits, rss_growth_mb: growth });
  assert.ok(hits >= 20, `${hits} refusals`);
  assert.equal(await victim.metric("zeek_zmq_limit_hits_total", { reason: "max_pending_hellos" }), 0);
  // 40 MB of hostile messages passed through (200 of 200 KB); none of the ids was kept.
  assert.ok(growth < 90, `RSS grew ${growth.toFixed(1)} MB`);
  assert.ok(victim.proc.err.every((l) => l.length < 1000), "long ids are cut when printed");
  assertCleanStderr(victim);
});
