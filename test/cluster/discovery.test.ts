// The hello state machine of Zeek's ZeroMQ backend (main.zeek), driven as Zeek's events arrive.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Discovery } from "../../src/cluster/discovery.js";

function setup(nodeNames = ["manager", "worker-1", "worker-2"], limits: { maxPending?: number; maxIdLength?: number } = {}) {
  const log: string[] = [];
  const d = new Discovery(
    { selfId: "ID-M", nodeNames, nodeidTopicPrefix: "zeek.cluster.nodeid", helloExpirationMs: 10_000, ...limits },
    {
      zeromqHello: (t) => log.push(`zeromq_hello -> ${t}`),
      clusterHello: (t) => log.push(`cluster_hello -> ${t}`),
      nodeUp: (n, id) => log.push(`node_up ${n} ${id}`),
      nodeDown: (n, id) => log.push(`node_down ${n} ${id}`),
      warning: (m) => log.push(`warning ${m}`),
      error: (m) => log.push(`error ${m}`),
      refused: (reason, m) => log.push(`refused ${reason} ${m()}`),
      invalid: (m) => log.push(`invalid ${m()}`),
    },
  );
  return { d, log };
}

test("discovery - subscription first, then ZeroMQ::hello: hello back, Cluster::hello, node_up", () => {
  const { d, log } = setup();
  d.onSubscription("zeek.cluster.nodeid.ID-M.", 0); // our own: ignored
  d.onSubscription("zeek.cluster.manager", 0); // not a nodeid topic
  d.onSubscription("zeek.cluster.nodeid.ID-W1.", 0);
  d.onZeromqHello("worker-1", "ID-W1", 1);
  d.onClusterHello("worker-1", "ID-W1");
  assert.deepEqual(log, [
    "zeromq_hello -> zeek.cluster.nodeid.ID-W1.",
    "cluster_hello -> zeek.cluster.nodeid.ID-W1.",
    "node_up worker-1 ID-W1",
  ]);
  assert.equal(d.idOf("worker-1"), "ID-W1");
});

test("discovery - ZeroMQ::hello first, then the subscription: Cluster::hello on the subscription", () => {
  const { d, log } = setup();
  d.onZeromqHello("worker-2", "ID-W2", 0);
  assert.deepEqual(log, []);
  d.onSubscription("zeek.cluster.nodeid.ID-W2.", 1);
  assert.deepEqual(log, ["zeromq_hello -> zeek.cluster.nodeid.ID-W2.", "cluster_hello -> zeek.cluster.nodeid.ID-W2."]);
});

test("discovery - node_down on the nodeid unsubscription; unknown ids warn", () => {
  const { d, log } = setup();
  d.onClusterHello("worker-1", "ID-W1");
  d.onUnsubscription("zeek.cluster.nodeid.ID-W1.");
  d.onUnsubscription("zeek.cluster.nodeid.ID-GONE.");
  d.onUnsubscription("zeek.cluster.worker");
  assert.deepEqual(log, ["node_up worker-1 ID-W1", "node_down worker-1 ID-W1", "warning unsubscription of unknown node with id ID-GONE"]);
  assert.equal(d.idOf("worker-1"), undefined);
});

test("discovery - restart without goodbye, hello twice, unexpected and duplicate nodes", () => {
  const { d, log } = setup();
  d.onClusterHello("worker-1", "ID-A");
  d.onZeromqHello("worker-1", "ID-A", 0);
  d.onZeromqHello("worker-1", "ID-B", 0);
  d.onClusterHello("worker-1", "ID-B");
  d.onClusterHello("intruder", "ID-X");
  d.onClusterHello("worker-1", "ID-C");
  assert.deepEqual(log, [
    "node_up worker-1 ID-A",
    "warning node 'worker-1' (ID-A) sends ZeroMQ::hello twice",
    "warning node 'worker-1' never said goodbye (old id:ID-A new id:ID-B)",
    "node_down worker-1 ID-A",
    "node_up worker-1 ID-B",
    "error Got Cluster::hello msg from unexpected node: intruder (ID-X)",
    "error Duplicate node: worker-1 (old id:ID-B new id:ID-C)",
  ]);
});

test("discovery - unmatched state expires after hello_expiration with Zeek's warnings", () => {
  const { d, log } = setup();
  d.onSubscription("zeek.cluster.nodeid.ID-S.", 1000);
  d.onZeromqHello("worker-2", "ID-H", 2000);
  d.expire(10_999);
  assert.deepEqual(log, ["zeromq_hello -> zeek.cluster.nodeid.ID-S."]);
  d.expire(12_000);
  assert.deepEqual(log.slice(1), ["warning Expired subscription from nodeid ID-S", "warning Expired hello from nodeid ID-H"]);
  d.onSubscription("zeek.cluster.nodeid.ID-H.", 13_000); // the hello is gone: no Cluster::hello now
  assert.equal(log.at(-1), "zeromq_hello -> zeek.cluster.nodeid.ID-H.");
});

test("discovery - losing the broker: node_down for every peer, then discovery starts over", () => {
  const { d, log } = setup();
  d.onClusterHello("worker-1", "ID-W1");
  d.onClusterHello("worker-2", "ID-W2");
  d.onSubscription("zeek.cluster.nodeid.ID-X.", 0);
  d.reset();
  assert.deepEqual(log.slice(-2), ["node_down worker-1 ID-W1", "node_down worker-2 ID-W2"]);
  assert.deepEqual(d.upNodes(), []);
  // After the reconnect the same peers come back through the normal handshake.
  d.onSubscription("zeek.cluster.nodeid.ID-W1.", 1);
  d.onZeromqHello("worker-1", "ID-W1", 1);
  d.onClusterHello("worker-1", "ID-W1");
  assert.deepEqual(log.slice(-3), ["zeromq_hello -> zeek.cluster.nodeid.ID-W1.", "cluster_hello -> zeek.cluster.nodeid.ID-W1.", "node_up worker-1 ID-W1"]);
  const mark = log.length;
  d.expire(1_000_000);
  assert.deepEqual(log.slice(mark), [], "state from before the reset does not expire later");
});

test("discovery - max_pending_hellos: a flood of fake node ids forgets the oldest, newcomers still get through", () => {
  const { d, log } = setup(undefined, { maxPending: 3 });
  for (let i = 0; i < 5; i++) d.onSubscription(`zeek.cluster.nodeid.FAKE-${i}.`, i);
  d.onZeromqHello("evil", "FAKE-HELLO", 5);
  assert.equal(d.pending, 3);
  assert.equal(log.filter((l) => l.startsWith("refused max_pending_hellos ")).length, 3);
  assert.match(log.find((l) => l.startsWith("refused"))!, /forgot the oldest \(node id FAKE-0\) for a nodeid subscription from node id FAKE-3/);
  // FAKE-0..2 were forgotten: their hello now waits as a new entry instead of being answered.
  d.onZeromqHello("worker-1", "FAKE-1", 6);
  assert.notEqual(log.at(-1), "cluster_hello -> zeek.cluster.nodeid.FAKE-1.");
  // The newest ones are still matched: a real newcomer's two halves complete under the flood.
  d.onSubscription("zeek.cluster.nodeid.ID-W2.", 7);
  d.onZeromqHello("worker-2", "ID-W2", 7);
  d.onClusterHello("worker-2", "ID-W2");
  assert.deepEqual(log.slice(-2), ["cluster_hello -> zeek.cluster.nodeid.ID-W2.", "node_up worker-2 ID-W2"]);
  assert.equal(d.pending, 2); // FAKE-HELLO and FAKE-1's hello
  d.expire(20_000);
  assert.equal(d.pending, 0);
});

test("discovery - node ids and names that could forge output, or are too long, are refused and never printed raw", () => {
  const { d, log } = setup(undefined, { maxIdLength: 40 });
  d.onSubscription("zeek.cluster.nodeid.ID\nzeek-zmq[manager] error: forged.", 0);
  d.onSubscription(`zeek.cluster.nodeid.${"x".repeat(41)}.`, 0);
  d.onZeromqHello("worker-1\u001b[2J", "ID-OK", 0);
  d.onZeromqHello("worker-1", "ID\r", 0);
  d.onClusterHello("intruder\nzeek-zmq[manager] error: forged", "ID-X");
  d.onClusterHello("worker-1", "ID\u202eevil");
  assert.equal(d.pending, 0);
  assert.deepEqual(
    log.map((l) => l.split(" ").slice(0, 2).join(" ")),
    ["invalid ignoring", "refused max_node_id_length", "invalid ignoring", "invalid ignoring", "error Got", "invalid ignoring"],
  );
  for (const l of log) assert.doesNotMatch(l, /[\n\r\u001b\u202e]/, `printed raw: ${JSON.stringify(l)}`);
  assert.match(log[0]!, /ID\\nzeek-zmq/);
  assert.match(log[4]!, /intruder\\nzeek-zmq/);
  assert.deepEqual(d.upNodes(), []);
});

test("discovery - a flood of one kind forgets its own kind: a pending hello outlives a replay of fake subscriptions", () => {
  // A joining node gets a peer's hello, then the broker's replay of every subscription (here
  // fakes first, the peer's own last): the hello must still be there when its subscription comes.
  const { d, log } = setup(["manager", "worker-1"], { maxPending: 3 });
  d.onZeromqHello("worker-1", "ID-W1", 0);
  for (let i = 0; i < 10; i++) d.onSubscription(`zeek.cluster.nodeid.FAKE-${i}.`, 1);
  assert.ok(!log.some((l) => l.includes("node id ID-W1)")), "the hello was not the one forgotten");
  log.length = 0;
  d.onSubscription("zeek.cluster.nodeid.ID-W1.", 2);
  assert.deepEqual(log.filter((l) => !l.startsWith("refused")), ["zeromq_hello -> zeek.cluster.nodeid.ID-W1.", "cluster_hello -> zeek.cluster.nodeid.ID-W1."]);
  // And the other way round: fake hellos forget fake hellos, not a waiting subscription.
  const other = setup(["manager", "worker-2"], { maxPending: 3 });
  other.d.onSubscription("zeek.cluster.nodeid.ID-W2.", 0);
  for (let i = 0; i < 10; i++) other.d.onZeromqHello(`ghost-${i}`, `FAKE-${i}`, 1);
  other.log.length = 0;
  other.d.onZeromqHello("worker-2", "ID-W2", 2);
  assert.deepEqual(other.log.filter((l) => !l.startsWith("refused")), ["cluster_hello -> zeek.cluster.nodeid.ID-W2."]);
});
