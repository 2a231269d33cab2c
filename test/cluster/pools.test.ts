// HRW and round-robin checked against Zeek's own btest baselines (v8.2.2):
// bifs/fnv1a_hash, scripts/base/utils/hash_hrw and scripts/base/frameworks/cluster/topic_distribution.

import assert from "node:assert/strict";
import { test } from "node:test";
import { fnv1a32, hrwKeyBytes, hrwSelect, hrwWeight } from "../../src/cluster/hrw.js";
import { layoutFromObject } from "../../src/cluster/layout.js";
import { defaultPools, Pool } from "../../src/cluster/pools.js";

test("hrw - fnv1a32 matches Zeek's bifs/fnv1a_hash baseline", () => {
  // Strings hash their bytes; count 123 hashes Describe()'s binary form (tag 3 + uint64 LE).
  assert.equal(fnv1a32("a"), 0xe40c292c);
  assert.equal(fnv1a32("foobar"), 0xbf9cf968);
  assert.equal(fnv1a32("a very very long input sort of"), 0xd14bf21b);
  assert.equal(fnv1a32("123"), 0x7238631b);
  assert.equal(fnv1a32("T"), 0xd10c0b43);
  assert.equal(fnv1a32(new Uint8Array([1, 2, 3, 4])), 0x5734a87d);
  assert.equal(fnv1a32({ count: 123 }), 0xc5b442fd);
  assert.deepEqual([...hrwKeyBytes({ count: 1 })], [3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
});

test("hrw - hrw_weight is Zeek's 32-bit unsigned formula, low 31 bits", () => {
  // Independent BigInt evaluation of the C expression with uint32_t operands.
  const ref = (d: number, s: number): number => {
    const m32 = (x: bigint): bigint => x & 0xffffffffn;
    const a = 1103515245n;
    const inner = m32(a * BigInt(s) + 12345n) ^ BigInt(d & 0x7fffffff);
    return Number(m32(a * inner + 12345n) % 2147483648n);
  };
  for (const [d, s] of [[0, 0], [0xffffffff, 0xffffffff], [0xe40c292c, 7], [123456789, 0x80000001], [1, 2 ** 31]] as const)
    assert.equal(hrwWeight(d, s), ref(d, s), `d=${d} s=${s}`);
});

test("hrw - get_site matches Zeek's scripts/base/utils/hash_hrw baseline", () => {
  const keys = ["one", "two", "three", "four", "four", "five", "six", { count: 1 }, { count: 2 }, { count: 3 }] as const;
  const names = ["alice", "bob", "charlie", "dave", "eve"];
  const pick = (ids: number[]): string[] => keys.map((k) => names[hrwSelect(ids, k) as number] as string);
  // Sites 0..4 added, charlie (2) removed.
  assert.deepEqual(pick([0, 1, 3, 4]), ["alice", "dave", "bob", "bob", "bob", "dave", "dave", "bob", "alice", "bob"]);
  // alice removed.
  assert.deepEqual(pick([1, 3, 4]), ["bob", "dave", "bob", "bob", "bob", "dave", "dave", "bob", "eve", "bob"]);
  // alice added back: insertion order differs, the choice must not.
  assert.deepEqual(pick([1, 3, 4, 0]), ["alice", "dave", "bob", "bob", "bob", "dave", "dave", "bob", "alice", "bob"]);
  assert.equal(hrwSelect([], "x"), undefined);
});

const proxyLayout = layoutFromObject(
  {
    nodes: {
      manager: { type: "manager", host: "127.0.0.1" },
      "proxy-2": { type: "proxy", host: "127.0.0.1" },
      "proxy-1": { type: "proxy", host: "127.0.0.1" },
    },
  },
  "proxy-layout",
);

test("pools - hrw_topic/rr_topic match Zeek's cluster/topic_distribution baseline", () => {
  const pool = Pool.fromLayout(proxyLayout, "proxy", "manager");
  assert.deepEqual(pool.nodeList.map((n) => n.name), ["proxy-1", "proxy-2"], "members sorted by name");
  assert.equal(pool.hrw({ count: 0 }), "", "nothing alive before node_up");
  assert.equal(pool.rr("test"), "");
  pool.markAlive("proxy-1");
  pool.markAlive("proxy-2");
  const keys = [0, 1, 2, 3, 13, 37, 42, 101];
  const hrw = (): string[] => keys.map((k) => pool.hrwNode({ count: k })?.name ?? "");
  const expected1 = ["proxy-2", "proxy-1", "proxy-2", "proxy-2", "proxy-1", "proxy-1", "proxy-1", "proxy-1"];
  assert.deepEqual(hrw(), expected1);
  assert.deepEqual(keys.map(() => pool.rrNode("test")?.name), ["proxy-1", "proxy-2", "proxy-1", "proxy-2", "proxy-1", "proxy-2", "proxy-1", "proxy-2"]);
  assert.deepEqual(hrw(), expected1);
  assert.equal(pool.hrw({ count: 0 }), "zeek.cluster.node.proxy-2.");

  pool.markDead("proxy-1");
  assert.deepEqual(hrw(), keys.map(() => "proxy-2"));
  assert.deepEqual(keys.map(() => pool.rrNode("test")?.name), keys.map(() => "proxy-2"));
  pool.markDead("proxy-2");
  assert.deepEqual(hrw(), keys.map(() => ""));
  assert.deepEqual(keys.map(() => pool.rr("test")), keys.map(() => ""));
  assert.equal(pool.aliveCount, 0);
});

test("pools - rr keeps a position per key; the local node is alive for rr but not an HRW site", () => {
  const layout = layoutFromObject(
    { nodes: { manager: { type: "manager" }, "worker-1": { type: "worker" }, "worker-2": { type: "worker" }, "worker-10": { type: "worker" } } },
    "w",
  );
  const { worker } = defaultPools(layout, "worker-2");
  assert.deepEqual(worker.nodeList.map((n) => n.name), ["worker-1", "worker-10", "worker-2"], "strcmp order");
  assert.equal(worker.aliveCount, 1);
  assert.equal(worker.rr(), "zeek.cluster.node.worker-2.");
  assert.equal(worker.hrw("k"), "", "Zeek never adds the local node as an HRW site");
  worker.markAlive("worker-1");
  assert.deepEqual([worker.rr("a"), worker.rr("a"), worker.rr("b"), worker.rr("a")].map((t) => t.split(".")[3]), ["worker-1", "worker-2", "worker-1", "worker-1"]);
  assert.equal(worker.hrw("k"), "zeek.cluster.node.worker-1.");
  assert.equal(worker.markAlive("nope"), false);
  assert.equal(worker.initNode("worker-1"), false);
});

test("pools - site ids come from fnv1a32(name + '.0') and the logger pool gets the manager when manager_is_logger", () => {
  const layout = layoutFromObject({ nodes: { manager: { type: "manager", port: 2000 }, "logger-1": { type: "logger", port: 2001 } } }, "l");
  const { logger, proxy } = defaultPools(layout, "manager");
  assert.deepEqual(logger.nodeList.map((n) => [n.name, n.alias, n.siteId]), [
    ["logger-1", "logger-1.0", fnv1a32("logger-1.0")],
    ["manager", "manager.0", fnv1a32("manager.0")],
  ]);
  assert.equal(proxy.nodeList.length, 0);
  assert.equal(proxy.rr(), "");
});
