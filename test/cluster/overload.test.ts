// Overload behaviour, modelled on Zeek's btests cluster/zeromq/overload-drop.zeek and
// overload-no-drop.zeek: workers publish ping(sender, c) to the manager topic in batches per
// event-loop turn (the btests' tick()), the manager's handler is slow (async). With HWMs set,
// events are dropped and counted exactly: published = received + xpub drops + onloop drops.
// With both HWMs 0 nothing is dropped.
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, test } from "node:test";
import { Broker } from "../../src/cluster/broker.js";
import { ClusterNode } from "../../src/cluster/node.js";
import { defineEvent } from "../../src/codec/broker/typed.js";
import { z } from "../../src/codec/broker/types.js";
import type { Line } from "../harness/proc.js";
import { until } from "../harness/until.js";
import { type BrokerProc, type LayoutNodes, type NodeProc, type NodeStats, startBroker, startNode, stats } from "./helpers/procs.js";
import type { NodeOptions } from "../../src/cluster/options.js";

const LAYOUT: LayoutNodes = [
  ["manager", "manager"],
  ["worker-1", "worker"],
  ["worker-2", "worker"],
];
const WORKERS = ["worker-1", "worker-2"];

const running: (NodeProc | BrokerProc)[] = [];
after(() => running.forEach((p) => p.kill()));

/** Broker + manager + two workers with `options` everywhere; resolves once every node_up was seen. */
async function cluster(options: Partial<NodeOptions>, manager: { handlerDelayMs: number; handlerDelayEvery?: number }) {
  const broker = await startBroker();
  running.push(broker);
  const m = await startNode({ name: "manager", layout: LAYOUT, options, ...manager }, broker);
  running.push(m);
  const ws = await Promise.all(WORKERS.map((name) => startNode({ name, layout: LAYOUT, options }, broker)));
  running.push(...ws);
  for (const p of [m, ...ws]) await until(`${p.label} sees the others`, () => p.command({ cmd: "stats" }, "stats"), (s) => Object.keys(s["up"] as object).length === 2);
  return { broker, m, ws };
}

/** Publishes `n` pings from every worker while sampling the manager; returns the workers' reports and the samples. */
async function flood(m: NodeProc, ws: NodeProc[], n: number, batch: number) {
  const samples: NodeStats[] = [];
  let done = false;
  const sampling = (async () => {
    while (!done) samples.push(await stats(m));
  })();
  const reports = await Promise.all(ws.map((w) => w.command({ cmd: "publish", topic: "zeek.cluster.manager", n, batch }, "published", 60_000)));
  done = true;
  await sampling;
  return { reports, samples };
}

const warnings = (p: NodeProc, re: RegExp): Line[] => p.all("warning").filter((l) => re.test(String(l["msg"])));

test("overload-drop - published = received + xpub drops + onloop drops, exactly; one warning each; memory bounded", async (t) => {
  const batch = 1000;
  const n = 30_000;
  // The btest's HWMs: xpub_sndhwm = batch / 5, onloop_queue_hwm = batch / 6.
  const onloopHwm = Math.floor(batch / 6);
  const { m, ws } = await cluster({ xpubSndhwm: batch / 5, onloopQueueHwm: onloopHwm }, { handlerDelayMs: 1 });
  const base = await stats(m);
  const { reports, samples } = await flood(m, ws, n, batch);

  let published = 0;
  let xpubDrops = 0;
  for (const [i, r] of reports.entries()) {
    assert.equal(r["attempted"], n);
    const s = await stats(ws[i]!);
    assert.equal(s.xpubDrops, r["dropped"], "publish() returning false = zeek_cluster_zeromq_xpub_drops_total");
    published += n;
    xpubDrops += s.xpubDrops;
  }
  const sent = published - xpubDrops;
  // Everything that left the workers is either handled or dropped at the manager's onloop queue.
  const settled = await until(
    "manager settled",
    () => stats(m),
    (s) => s.onloop === 0 && WORKERS.reduce((a, w) => a + (s.senders[w]?.received ?? 0), 0) + s.onloopDrops >= sent,
    60_000,
  );
  const received = WORKERS.reduce((a, w) => a + (settled.senders[w]?.received ?? 0), 0);
  t.diagnostic(`published ${published}: received ${received}, xpub drops ${xpubDrops}, onloop drops ${settled.onloopDrops}`);
  assert.equal(received + xpubDrops + settled.onloopDrops, published);
  // As the btest's baselines: both kinds of drops happened, and the manager saw gaps from every worker.
  assert.ok(xpubDrops > 0, "had xpub_drops");
  assert.ok(settled.onloopDrops > 0, "had onloop_drops");
  for (const w of WORKERS) assert.ok(settled.senders[w]!.gaps > 0, `${w} dropped`);

  // One warning on the first drop, none after.
  for (const [i, w] of ws.entries()) assert.equal(warnings(w, /xpub/).length, reports[i]!["dropped"] as number > 0 ? 1 : 0, `${w.label}: one xpub warning`);
  assert.equal(warnings(m, /onloop/).length, 1, "manager: one onloop warning");

  // Bounded: the queue never held more than onloop_queue_hwm, and RSS stayed near its idle level.
  assert.ok(settled.maxOnloop <= onloopHwm, `onloop queue peaked at ${settled.maxOnloop} <= ${onloopHwm}`);
  const peak = Math.max(...samples.map((s) => s.rssMb));
  t.diagnostic(`manager RSS idle ${base.rssMb.toFixed(1)} MB, peak during the flood ${peak.toFixed(1)} MB (${samples.length} samples)`);
  assert.ok(peak < base.rssMb + 64, `RSS stays bounded (idle ${base.rssMb.toFixed(1)} MB, peak ${peak.toFixed(1)} MB)`);
  await Promise.all([m, ...ws].map((p) => p.quit()));
});

test("overload-no-drop - with xpub_sndhwm = onloop_queue_hwm = 0 every event arrives", async (t) => {
  const n = 40_000;
  const { m, ws } = await cluster({ xpubSndhwm: 0, onloopQueueHwm: 0 }, { handlerDelayMs: 1, handlerDelayEvery: 200 });
  const { reports } = await flood(m, ws, n, 500);
  for (const r of reports) assert.deepEqual([r["attempted"], r["ok"], r["dropped"]], [n, n, 0]);
  const s = await until("manager got everything", () => stats(m), (s) => WORKERS.every((w) => s.senders[w]?.received === n), 60_000);
  t.diagnostic(`manager received ${WORKERS.map((w) => s.senders[w]!.received).join(" + ")}, peak onloop queue ${s.maxOnloop}, RSS ${s.rssMb.toFixed(1)} MB`);
  for (const w of WORKERS) assert.deepEqual(s.senders[w], { received: n, last: n, gaps: 0 });
  assert.equal(s.onloopDrops, 0);
  for (const w of ws) assert.equal((await stats(w)).xpubDrops, 0);
  for (const p of [m, ...ws]) assert.deepEqual(warnings(p, /drop/), [], `${p.label}: no drop warnings`);
  await Promise.all([m, ...ws].map((p) => p.quit()));
});

test("drain - a publisher refused at xpub_sndhwm retries on 'drain' and loses nothing", { timeout: 30_000 }, async (t) => {
  const broker = new Broker({ listenXsubEndpoint: "tcp://127.0.0.1:0", listenXpubEndpoint: "tcp://127.0.0.1:0" });
  const ep = await broker.start();
  const endpoints = { connectXpubEndpoint: ep.xsub, connectXsubEndpoint: ep.xpub };
  const seq = defineEvent("Test::seq", [z.count, z.string]);
  const sub = new ClusterNode({ name: "sub", options: { ...endpoints, onloopQueueHwm: 0 } });
  const pub = new ClusterNode({ name: "pub", options: { ...endpoints, xpubSndhwm: 100 } });
  try {
    const n = 20_000;
    const got: bigint[] = [];
    let badPayloads = 0;
    const all = new Promise<void>((resolve) =>
      sub.on(seq, (i, s) => {
        if (s.length !== Number(i) % 200) badPayloads++;
        if (got.push(i) === n) resolve();
      }),
    );
    await sub.start();
    sub.subscribe("test.seq");
    await sub.ready();
    pub.on("reporter_warning", () => undefined); // the first refusal warns, as Zeek does
    await pub.start();
    let refusals = 0;
    let drains = 0;
    for (let i = 0; i < n;) {
      if (pub.publish("test.seq", seq, [BigInt(i), "x".repeat(i % 200)])) i++;
      else {
        refusals++;
        await once(pub, "drain");
        drains++;
      }
    }
    await all;
    t.diagnostic(`${n} events, ${refusals} refusals at xpub_sndhwm 100, each followed by 'drain'`);
    assert.ok(refusals > 0, "publishing in a loop hit the HWM");
    assert.equal(drains, refusals);
    assert.equal(pub.metrics.xpubDrops.value, refusals, "a refused publish() is counted as Zeek counts it");
    assert.deepEqual(got, Array.from({ length: n }, (_, i) => BigInt(i)), "every event, in order");
    assert.equal(badPayloads, 0);
  } finally {
    await Promise.all([pub.close(), sub.close()]);
    await broker.close();
  }
});
