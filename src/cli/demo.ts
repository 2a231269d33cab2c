// The built-in demo cluster of `zeek-zmq cluster` (no layout file): a logger, a manager running
// the broker, and two workers. Every half second each worker sees some made-up connections: it
// writes each one to the conn-like Demo::LOG stream (demo.log, on the logger) and reports its
// counters to the manager as a `Demo::stats(node, conns, bytes)` event, as a Zeek worker would;
// the manager adds them up and prints the totals. This module is both the layout and the nodes'
// script (`--script`).
import { createServer, type Server } from "node:net";
import { defineEvent } from "../codec/broker/typed.js";
import { z } from "../codec/broker/types.js";
import { ROLE_TOPICS } from "../cluster/topics.js";
import type { NodeScript } from "./node.js";

/** The event the workers publish. */
export const DEMO_STATS = defineEvent("Demo::stats", [z.string, z.count, z.count], ["node", "conns", "bytes"]);

/** The workers' log stream: a few of conn.log's columns, written to demo.log on the logger. */
export const DEMO_LOG_COLUMNS = z.record({
  ts: z.time,
  uid: z.string,
  id: z.record({ orig_h: z.addr, orig_p: z.port, resp_h: z.addr, resp_p: z.port }),
  proto: z.string,
  service: z.optional(z.string),
  duration: z.interval,
  orig_bytes: z.count,
  resp_bytes: z.count,
  worker: z.string,
});
export const DEMO_LOG_PATH = "demo";

export const DEMO_WORKERS = 2;
export const DEMO_LOGGER = "logger";
const PUBLISH_INTERVAL_MS = 500;
const PRINT_INTERVAL_MS = 2000;

/** Ports that are free now on 127.0.0.1 (held together, so they differ). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => s.once("error", reject).listen(0, "127.0.0.1", resolve));
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

/**
 * The demo layout as a JSON layout document, on free loopback ports: the broker's two and the
 * logger's PULL port.
 */
export async function demoLayout(): Promise<Record<string, unknown>> {
  const [xpub, xsub, log] = await freePorts(3);
  const nodes: Record<string, unknown> = {
    [DEMO_LOGGER]: { type: "logger", host: "127.0.0.1", port: log },
    manager: { type: "manager", host: "127.0.0.1" },
  };
  for (let i = 1; i <= DEMO_WORKERS; i++) nodes[`worker-${i}`] = { type: "worker", host: "127.0.0.1" };
  return { nodes, managerIsLogger: false, broker: { host: "127.0.0.1", xpubPort: xpub, xsubPort: xsub } };
}

const SERVICES = ["http", "ssl", "dns", undefined] as const;
const rand = (n: number) => Math.floor(Math.random() * n);
let uids = 0;

/** A made-up connection as Demo::LOG records it. */
function connection(worker: string) {
  const service = SERVICES[rand(SERVICES.length)];
  const port = service === "http" ? 80 : service === "ssl" ? 443 : service === "dns" ? 53 : 1024 + rand(60000);
  return {
    ts: Date.now() / 1000,
    uid: `C${worker.replace(/\W/g, "")}${(++uids).toString(36)}`,
    id: { orig_h: `10.0.0.${1 + rand(254)}`, orig_p: `${1024 + rand(60000)}/tcp` as const, resp_h: `192.168.1.${1 + rand(254)}`, resp_p: `${port}/${service === "dns" ? "udp" : "tcp"}` as const },
    proto: service === "dns" ? "udp" : "tcp",
    ...(service ? { service } : {}),
    duration: Math.random() * 5,
    orig_bytes: BigInt(rand(2000)),
    resp_bytes: BigInt(rand(20000)),
    worker,
  };
}

interface Totals {
  reports: number;
  conns: bigint;
  bytes: bigint;
}

/** The demo nodes' behaviour (a `zeek-zmq node --script`): workers log and report, the manager aggregates. */
const demoNode: NodeScript = (node, ctx) => {
  if (ctx.type === "worker") {
    let timer: NodeJS.Timeout | undefined;
    void ctx.ready.then(() => {
      const conns = node.log.createStream({ id: "Demo::LOG", columns: DEMO_LOG_COLUMNS, path: DEMO_LOG_PATH });
      const tick = () => {
        let bytes = 0n;
        const n = 2 + rand(6);
        for (let i = 0; i < n; i++) {
          const c = connection(node.name);
          conns.write(c);
          bytes += c.orig_bytes + c.resp_bytes;
        }
        // Reports reach the manager once it is up (publishing before node_up reaches nobody).
        if (node.nodesUp().has("manager")) node.publish(ROLE_TOPICS.manager, DEMO_STATS, [node.name, BigInt(n), bytes]);
      };
      tick();
      timer = setInterval(tick, PUBLISH_INTERVAL_MS);
    }, () => undefined);
    return () => clearInterval(timer);
  }
  if (ctx.type !== "manager") return undefined;

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
  return () => {
    clearInterval(timer);
    print();
  };
};
export default demoNode;
