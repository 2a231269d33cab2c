import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { layoutFromObject } from "../../src/cluster/layout.js";
import {
  makeNodeId,
  nodeIdFromTopic,
  nodeTopic,
  nodeidTopic,
  readyTopic,
  roleSubscriptions,
  uniqueId,
} from "../../src/cluster/topics.js";
import { FIXTURES } from "../paths.js";

const DISCOVERY = join(FIXTURES, "discovery");

// fixtures/zeek-8.2.2/discovery/scripts/cluster-layout.zeek, as a zeek-zmq layout.
const discoveryLayout = layoutFromObject(
  {
    managerIsLogger: false,
    nodes: {
      manager: { type: "manager", ip: "127.0.0.1" },
      logger: { type: "logger", ip: "127.0.0.1", p: "27832/tcp" },
      "worker-1": { type: "worker", ip: "127.0.0.1" },
      "worker-2": { type: "worker", ip: "127.0.0.1" },
    },
  },
  "discovery",
);

function nodeIdOf(node: string): string {
  const out = readFileSync(join(DISCOVERY, "node-output", `${node}.stdout`), "utf8");
  const m = /zeek_init node_id=(\S+)/.exec(out);
  assert.ok(m?.[1], `node id of ${node}`);
  return m[1];
}

test("topics - roleSubscriptions equals each Zeek node's subscriptions in the discovery capture, in order", () => {
  const subs: string[] = [];
  for (const line of readFileSync(join(DISCOVERY, "discovery.capture.jsonl"), "utf8").split("\n")) {
    if (line === "") continue;
    const msg = JSON.parse(line) as { socket: string; parts: string[] };
    const frame = Buffer.from(msg.parts[0] ?? "", "hex");
    if (msg.socket === "xpub" && frame[0] === 1) subs.push(frame.subarray(1).toString("utf8"));
  }
  // The nodes started one after another, so their subscriptions are consecutive runs (the
  // WebSocket client's two come last).
  let at = 0;
  for (const node of ["manager", "logger", "worker-1", "worker-2"]) {
    const expected = roleSubscriptions(discoveryLayout, node, nodeIdOf(node));
    assert.deepEqual(subs.slice(at, at + expected.length), expected, node);
    at += expected.length;
  }
  assert.equal(subs.length - at, 2);
});

test("topics - manager_is_logger puts the manager in the logger pool (its pool topic comes first)", () => {
  const layout = layoutFromObject({ nodes: { manager: { type: "manager" }, "proxy-1": { type: "proxy" }, w: { type: "worker" } } }, "x");
  assert.deepEqual(roleSubscriptions(layout, "manager", "ID"), [
    "zeek/supervisor",
    "zeek/table/",
    "zeek.cluster.pool.logger",
    "zeek.cluster.manager",
    "zeek.cluster.nodeid.ID.",
    "zeek.cluster.node.manager.",
  ]);
  assert.deepEqual(roleSubscriptions(layout, "proxy-1", "P", { nodeTopicPrefix: "a", nodeidTopicPrefix: "b" }).slice(2), [
    "zeek.cluster.pool.proxy",
    "zeek.cluster.proxy",
    "b.P.",
    "a.proxy-1.",
  ]);
});

test("topics - node/nodeid topics, id extraction and ready topics", () => {
  assert.equal(nodeTopic("worker-1"), "zeek.cluster.node.worker-1.");
  const id = "zeromq_worker-1_vm_13471_NzgAA23MlyHSWAeCci";
  assert.equal(nodeidTopic(id), `zeek.cluster.nodeid.${id}.`);
  assert.equal(nodeIdFromTopic(nodeidTopic(id)), id);
  // Zeek strips the prefix and the last character whatever it is.
  assert.equal(nodeIdFromTopic("zeek.cluster.nodeid.abcX"), "abc");
  assert.equal(nodeIdFromTopic("zeek.cluster.nodeid."), "");
  assert.equal(nodeIdFromTopic("zeek.cluster.node.worker-1."), undefined);
  assert.equal(nodeIdFromTopic("x.id.", "x"), "id");
  // Seen in the discovery capture (line 50).
  const mgr = "zeromq_manager_vm_13436_NeoO0O3g2oEWsSpZXf";
  assert.equal(readyTopic("zeek.zeromq.internal.", `${mgr}-websocket-0`, 1), `zeek.zeromq.internal.${mgr}-websocket-0.1.`);
});

test("topics - node ids have Zeek's shape; unique ids are base62, LSB digit first", () => {
  const id = makeNodeId("worker-1", { hostname: "vm", pid: 42 });
  assert.match(id, /^zeromq_worker-1_vm_42_N[0-9a-zA-Z]{2,17}$/);
  assert.notEqual(makeNodeId("w"), makeNodeId("w"));
  const bytes = new Uint8Array(12);
  bytes[0] = 63; // 32-bit word 63 = 1*62 + 1 -> "11"; 64-bit word 0 -> "0"
  assert.equal(uniqueId("N", bytes), "N110");
  bytes.fill(0xff);
  // 2^32-1 and 2^64-1 in base 62 take 6 and 11 digits: 18 characters with the prefix, as in the fixtures.
  assert.equal(uniqueId("N", bytes).length, 18);
});
