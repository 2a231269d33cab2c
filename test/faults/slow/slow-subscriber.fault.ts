// Fault: a subscriber that stops reading (frozen with SIGSTOP, the extreme of a slow handler)
// while a publisher floods it. Backpressure runs subscriber TCP -> broker XPUB (nodrop: the broker
// pauses forwarding, it never drops) -> broker XSUB -> publisher XPUB, where publish() returns
// false at xpub_sndhwm. On thaw, the burst meets the subscriber's onloop queue. Every event is
// accounted for exactly: published = received + publisher xpub drops + subscriber onloop drops,
// the sequence gaps the subscriber sees equal the drops, and memory stays bounded (the broker
// and the publisher hold at most HWM-sized queues).
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { type NodeProc, type NodeStats, stats } from "../../cluster/helpers/procs.js";
import { ProcSet } from "../../harness/proc.js";
import { until } from "../../harness/until.js";
import { allUp, startFaultBroker, startLayoutNode } from "../helpers.js";

const set = new ProcSet();
after(() => set.killAll());

const rss = async (p: { command: NodeProc["command"] }): Promise<number> => (await p.command({ cmd: "stats" }, "stats"))["rssMb"] as number;

test("a frozen subscriber under a flood: drops counted exactly, no silent loss, memory bounded", async (t) => {
  const xpubSndhwm = 1000;
  const onloopQueueHwm = 500;
  const broker = await startFaultBroker(set, { xsub: "tcp://127.0.0.1:0", xpub: "tcp://127.0.0.1:0" });
  const manager = await startLayoutNode(set, "manager", broker, { onloopQueueHwm });
  const w1 = await startLayoutNode(set, "worker-1", broker, { xpubSndhwm });
  const w2 = await startLayoutNode(set, "worker-2", broker, {});
  await allUp([manager, w1, w2]);
  const idle = { broker: await rss(broker), w1: await rss(w1), manager: await rss(manager) };

  const n = 100_000;
  const peak = { broker: idle.broker, w1: idle.w1 };
  manager.child.kill("SIGSTOP");
  let report;
  try {
    let done = false;
    const sampling = (async () => {
      while (!done) {
        peak.broker = Math.max(peak.broker, await rss(broker));
        peak.w1 = Math.max(peak.w1, await rss(w1));
      }
    })();
    report = await w1.command({ cmd: "publish", topic: "zeek.cluster.manager", n, batch: 1000 }, "published", 120_000);
    done = true;
    await sampling;
  } finally {
    manager.child.kill("SIGCONT");
  }
  const xpubDrops = (await stats(w1)).xpubDrops;
  assert.equal(report["attempted"], n);
  assert.equal(xpubDrops, report["dropped"], "every publish() that returned false is in zeek_cluster_zeromq_xpub_drops_total");
  assert.ok(xpubDrops > 0, "the frozen subscriber's backpressure reached the publisher");
  const sent = n - xpubDrops;

  const s: NodeStats = await until(
    "manager settled after the thaw",
    () => stats(manager),
    (x) => x.onloop === 0 && (x.senders["worker-1"]?.received ?? 0) + x.onloopDrops >= sent,
    60_000,
  );
  const got = s.senders["worker-1"] ?? { received: 0, last: 0, gaps: 0 };
  t.diagnostic(
    `published ${n}: received ${got.received}, xpub drops ${xpubDrops}, onloop drops ${s.onloopDrops}; ` +
      `RSS MB idle/peak broker ${idle.broker.toFixed(0)}/${peak.broker.toFixed(0)}, publisher ${idle.w1.toFixed(0)}/${peak.w1.toFixed(0)}, subscriber after ${s.rssMb.toFixed(0)}`,
  );
  assert.equal(got.received + xpubDrops + s.onloopDrops, n, "published = received + xpub drops + onloop drops");
  // Gaps: the events missing from 1..last; what was published after `last` was dropped too.
  assert.equal(got.gaps + (n - got.last), xpubDrops + s.onloopDrops, "the subscriber's sequence gaps are exactly the counted drops");
  assert.ok(s.maxOnloop <= onloopQueueHwm, `onloop queue peaked at ${s.maxOnloop} <= ${onloopQueueHwm}`);
  for (const [who, v] of Object.entries(peak)) assert.ok(v < idle[who as keyof typeof idle] + 64, `${who} RSS bounded: idle ${idle[who as keyof typeof idle].toFixed(1)} MB, peak ${v.toFixed(1)} MB`);
  assert.ok(s.rssMb < idle.manager + 64, `subscriber RSS bounded: ${s.rssMb.toFixed(1)} MB`);
  await Promise.all([manager, w1, w2, broker].map((p) => p.quit()));
});
