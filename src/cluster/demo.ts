// The built-in demo cluster of `zeek-zmq cluster` (no layout file): a manager running the broker on
// free ports and two workers. Workers publish `Demo::stats(node, conns, bytes)` to the manager's
// topic every half second, as a Zeek worker would report counters; the manager adds them up and
// prints the totals. This module is both the layout and the nodes' script (`--script`).
import { defineEvent } from "../codec/broker/typed.js";
import { z } from "../codec/broker/types.js";
import type { NodeType } from "./layout.js";
import type { ClusterNode } from "./node.js";
import { ROLE_TOPICS } from "./topics.js";

/** The event the workers publish. */
export const DEMO_STATS = defineEvent("Demo::stats", [z.string, z.count, z.count], ["node", "conns", "bytes"]);

export const DEMO_WORKERS = 2;
const PUBLISH_INTERVAL_MS = 500;
const PRINT_INTERVAL_MS = 2000;

/**
 * The demo layout as a JSON layout document: the manager runs the broker on any free loopback
 * ports (the supervisor tells the workers where it landed).
 */
export function demoLayout(): Record<string, unknown> {
  const nodes: Record<string, unknown> = { manager: { type: "manager", host: "127.0.0.1" } };
  for (let i = 1; i <= DEMO_WORKERS; i++) nodes[`worker-${i}`] = { type: "worker", host: "127.0.0.1" };
  return {
    nodes,
    options: { listen_xpub_endpoint: "tcp://127.0.0.1:*", listen_xsub_endpoint: "tcp://127.0.0.1:*" },
  };
}

/** A made-up traffic sample: a few connections with some bytes each. */
function sample(): [conns: bigint, bytes: bigint] {
  const conns = 5 + Math.floor(Math.random() * 46);
  return [BigInt(conns), BigInt(conns * (200 + Math.floor(Math.random() * 1300)))];
}

interface Totals {
  reports: number;
  conns: bigint;
  bytes: bigint;
}

/** The demo nodes' behaviour (a `zeek-zmq node --script`): workers report, the manager aggregates. */
export default function demoNode(node: ClusterNode, ctx: { type: NodeType | undefined; signal: AbortSignal }): void {
  if (ctx.type === "worker") {
    // Report while the manager is up (publishing before node_up could reach nobody).
    let timer: NodeJS.Timeout | undefined;
    const report = () => node.publish(ROLE_TOPICS.manager, DEMO_STATS, [node.name, ...sample()]);
    node.on("node_up", (name) => {
      if (name !== "manager" || timer) return;
      report();
      timer = setInterval(report, PUBLISH_INTERVAL_MS);
    });
    node.on("node_down", (name) => {
      if (name !== "manager") return;
      clearInterval(timer);
      timer = undefined;
    });
    ctx.signal.addEventListener("abort", () => clearInterval(timer), { once: true });
    return;
  }
  if (ctx.type !== "manager") return;

  const byWorker = new Map<string, Totals>();
  let changed = false;
  node.on(DEMO_STATS, (from, conns, bytes) => {
    let t = byWorker.get(from);
    if (!t) byWorker.set(from, (t = { reports: 0, conns: 0n, bytes: 0n }));
    t.reports++;
    t.conns += conns;
    t.bytes += bytes;
    changed = true;
  });
  const print = () => {
    if (!changed) return;
    changed = false;
    const all: Totals = { reports: 0, conns: 0n, bytes: 0n };
    const parts: string[] = [];
    for (const [w, t] of [...byWorker].sort(([a], [b]) => (a < b ? -1 : 1))) {
      all.reports += t.reports;
      all.conns += t.conns;
      all.bytes += t.bytes;
      parts.push(`${w} ${t.reports}`);
    }
    console.log(`Demo totals: ${byWorker.size} workers, ${all.reports} reports (${parts.join(", ")}), ${all.conns} conns, ${all.bytes} bytes`);
  };
  const timer = setInterval(print, PRINT_INTERVAL_MS);
  ctx.signal.addEventListener("abort", () => (clearInterval(timer), print()), { once: true });
}
