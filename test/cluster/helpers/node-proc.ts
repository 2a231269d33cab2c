// A cluster node as a real process for the tests (the test runner also loads this file; it does
// nothing unless started with --cluster-node CONFIG_JSON, see procs.ts NodeProcConfig).
// stdout, one JSON object per line:
//   {"e":"started","id","metrics"?}  {"e":"node_up"|"node_down","name","id"}
//   {"e":"warning"|"error","msg"}    {"e":"event","topic","name","format","args"} (all but ping/hello)
//   {"e":"published","attempted","ok","dropped"}  {"e":"stats",...}  {"e":"sent"}
// stdin commands, one JSON object per line:
//   {"cmd":"publish","topic","n","batch"?}  pings ping(<name>, c) with c = 1, 2, ... in batches of
//                                           `batch` per event-loop turn (Zeek's btest tick())
//   {"cmd":"msg","topic","s"}               publishes Test::msg(s)
//   {"cmd":"stats"}  {"cmd":"exit"}
import { createInterface } from "node:readline";
import { z } from "../../../src/codec/broker/types.js";
import { defineEvent } from "../../../src/codec/broker/typed.js";
import { dataToJsonText } from "../../../src/codec/broker/json.js";
import { layoutFromObject } from "../../../src/cluster/layout.js";
import { ClusterNode, CLUSTER_HELLO, ZEROMQ_HELLO } from "../../../src/cluster/node.js";
import { startMetricsServer, type MetricsServer } from "../../../src/telemetry/server.js";
import type { NodeProcConfig } from "./procs.js";

/** Zeek's btest overload event: `global ping: event(sender: string, c: count)`. */
export const PING = defineEvent("ping", [z.string, z.count], ["sender", "c"]);
export const MSG = defineEvent("Test::msg", [z.string], ["s"]);

const out = (o: Record<string, unknown>): void =>
  void process.stdout.write(JSON.stringify(o, (_, v: unknown) => (typeof v === "bigint" ? Number(v) : v)) + "\n");

interface SenderStats {
  received: number;
  last: number;
  gaps: number;
}

async function main(cfg: NodeProcConfig): Promise<void> {
  const layout = cfg.layout && layoutFromObject({ nodes: cfg.layout.map(([name, type]) => ({ name, type, host: "127.0.0.1" })) }, "test");
  const node = new ClusterNode({ name: cfg.name, ...(layout ? { layout } : {}), options: cfg.options ?? {}, eventFormat: cfg.eventFormat ?? "broker-bin-v1" });
  node.on("node_up", (name, id) => out({ e: "node_up", name, id }));
  node.on("node_down", (name, id) => out({ e: "node_down", name, id }));
  node.on("reporter_warning", (msg) => out({ e: "warning", msg }));
  node.on("reporter_error", (msg) => out({ e: "error", msg }));

  const senders = new Map<string, SenderStats>();
  let maxOnloop = 0;
  const delay = cfg.handlerDelayMs ?? 0;
  const track = (sender: string, c: bigint): void => {
    let s = senders.get(sender);
    if (!s) senders.set(sender, (s = { received: 0, last: 0, gaps: 0 }));
    s.received++;
    const n = Number(c);
    if (n > s.last + 1) s.gaps += n - s.last - 1; // as the btest's manager counts drops per sender
    s.last = n;
    if (node.onloopLength > maxOnloop) maxOnloop = node.onloopLength;
  };
  const every = cfg.handlerDelayEvery ?? 1;
  let calls = 0;
  // A slow handler: every `every`-th call returns a promise the dispatcher has to await.
  if (delay > 0)
    node.on(PING, (sender, c) => {
      track(sender, c);
      return ++calls % every === 0 ? new Promise((r) => setTimeout(r, delay)) : undefined;
    });
  else node.on(PING, track);
  const quiet = new Set([PING.name, ZEROMQ_HELLO.name, CLUSTER_HELLO.name]);
  node.onAnyEvent((topic, ev, format) => {
    if (!quiet.has(ev.name)) out({ e: "event", topic, name: ev.name, format, args: ev.args.map((a) => JSON.parse(dataToJsonText(a)) as unknown) });
  });

  let metrics: MetricsServer | undefined;
  if (cfg.metrics) metrics = await startMetricsServer({ registry: node.registry, port: 0 });
  await node.start();
  for (const t of cfg.subscribe ?? []) node.subscribe(t);
  // Extra subscriptions must reach the broker before the test publishes to them.
  if ((cfg.subscribe ?? []).length > 0) await node.ready();
  out({ e: "started", id: node.nodeId, ...(metrics ? { metrics: metrics.url } : {}) });

  let c = 0;
  const publish = (topic: string, n: number, batch: number): Promise<Record<string, unknown>> =>
    new Promise((done) => {
      let ok = 0;
      let attempted = 0;
      const tick = (): void => {
        for (let i = 0; i < batch && attempted < n; i++, attempted++) if (node.publish(topic, PING, [cfg.name, BigInt(++c)])) ok++;
        if (attempted < n) setImmediate(tick);
        else done({ e: "published", attempted, ok, dropped: attempted - ok });
      };
      tick();
    });

  const close = async (): Promise<void> => {
    await node.close();
    await metrics?.close();
  };

  if (cfg.publishOnStart) {
    const { topic, n } = cfg.publishOnStart;
    out(await publish(topic, n, n));
    await close();
    return;
  }

  for await (const text of createInterface({ input: process.stdin })) {
    const cmd = JSON.parse(text) as { cmd: string; topic?: string; n?: number; batch?: number; s?: string };
    if (cmd.cmd === "publish") out(await publish(cmd.topic!, cmd.n!, cmd.batch ?? 1000));
    else if (cmd.cmd === "msg") {
      node.publish(cmd.topic!, MSG, [cmd.s!]);
      out({ e: "sent" });
    } else if (cmd.cmd === "stats") {
      out({
        e: "stats",
        senders: Object.fromEntries(senders),
        xpubDrops: node.metrics.xpubDrops.value,
        onloopDrops: node.metrics.onloopDrops.value,
        msgErrors: node.metrics.msgErrors.value,
        onloop: node.onloopLength,
        maxOnloop,
        rssMb: process.memoryUsage.rss() / 2 ** 20,
        up: Object.fromEntries(node.nodesUp()),
      });
    } else if (cmd.cmd === "exit") break;
  }
  await close();
}

if (process.argv[2] === "--cluster-node")
  main(JSON.parse(process.argv[3]!) as NodeProcConfig).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`node-proc: ${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
