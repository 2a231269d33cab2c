// Processes for the fault suite that test/cluster/helpers does not offer (inert unless started
// with one of the flags below; the test runner only loads *.test.js files, not this one):
//   --fault-broker JSON     Broker on given endpoints (so a restarted broker gets the same ports),
//                           with heartbeat options. Prints {"e":"broker","xsub","xpub"}; stdin
//                           {"cmd":"stats"} -> {"e":"stats","rssMb"}; {"cmd":"exit"}.
//   --fault-node JSON       A ClusterNode that reports what start() does instead of needing it to
//                           succeed: {"e":"started","id"} | {"e":"fatal","msg"} | {"e":"start_failed","msg"},
//                           {"e":"node_up"|"node_down","name","id"}, {"e":"monitor",...} (handshake
//                           failures etc.), {"e":"event","topic","name","args"} for Test::msg;
//                           stdin {"cmd":"msg","topic","s"} -> {"e":"sent","ok"}; {"cmd":"exit"}.
//   --fault-logsender JSON  A LogSender + Log (what a node uses for remote logging) PUSHing to
//                           `endpoints`. stdin {"cmd":"log","from","n"} writes records seq = from ..
//                           from+n-1 to path "fault" and flushes -> {"e":"logged","ok","dropped"}
//                           (records the PUSH refused at log_sndhwm); {"cmd":"exit"} closes.
//                           Prints {"e":"connected"|"disconnected","remote"} for the PUSH socket.
import { createInterface } from "node:readline";
import { Broker } from "../../src/cluster/broker.js";
import { layoutFromObject } from "../../src/cluster/layout.js";
import { ClusterNode } from "../../src/cluster/node.js";
import type { NodeOptions } from "../../src/cluster/options.js";
import type { CurveOption } from "../../src/transport/index.js";
import { MSG } from "../cluster/helpers/node-proc.js";
import { z } from "../../src/codec/broker/types.js";
import { Log, LogSender } from "../../src/logging/index.js";

const out = (o: Record<string, unknown>): void => void process.stdout.write(JSON.stringify(o) + "\n");

export interface FaultBrokerConfig {
  xsub: string;
  xpub: string;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  hwm?: number;
  /** CURVE server keys of both broker sockets. */
  curve?: CurveOption;
}

export interface FaultNodeConfig {
  name: string;
  /** Layout [name, type] pairs (discovery); all on 127.0.0.1. */
  layout: [string, "manager" | "logger" | "proxy" | "worker"][];
  options: Partial<NodeOptions>;
}

export interface LogSenderConfig {
  endpoints: string[];
  sndhwm: number;
  linger?: number;
}

async function commands(handle: (cmd: Record<string, unknown>) => Promise<void> | void): Promise<void> {
  for await (const text of createInterface({ input: process.stdin })) {
    const cmd = JSON.parse(text) as Record<string, unknown>;
    if (cmd["cmd"] === "exit") return;
    await handle(cmd);
  }
}

async function broker(cfg: FaultBrokerConfig): Promise<void> {
  const b = new Broker({
    listenXsubEndpoint: cfg.xsub,
    listenXpubEndpoint: cfg.xpub,
    heartbeatIntervalMs: cfg.heartbeatIntervalMs ?? 0,
    heartbeatTimeoutMs: cfg.heartbeatTimeoutMs ?? -1,
    ...(cfg.hwm !== undefined ? { hwm: cfg.hwm } : {}),
    ...(cfg.curve ? { curve: cfg.curve } : {}),
  });
  b.on("connection", (side, ev, d) => {
    if (ev !== "accepted") out({ e: "conn", side, ev, remote: d.remote ?? "" });
  });
  const ep = await b.start();
  out({ e: "broker", xsub: ep.xsub, xpub: ep.xpub });
  await commands((cmd) => {
    if (cmd["cmd"] === "stats") out({ e: "stats", rssMb: process.memoryUsage.rss() / 2 ** 20 });
  });
  await b.close();
}

async function node(cfg: FaultNodeConfig): Promise<void> {
  const layout = layoutFromObject({ nodes: cfg.layout.map(([name, type]) => ({ name, type, host: "127.0.0.1" })) }, "fault");
  const n = new ClusterNode({ name: cfg.name, layout, options: cfg.options });
  n.on("node_up", (name, id) => out({ e: "node_up", name, id }));
  n.on("node_down", (name, id) => out({ e: "node_down", name, id }));
  n.on("fatal", (msg) => out({ e: "fatal", msg }));
  n.on("monitoring_event", (ev) => out({ e: "monitor", ...ev }));
  n.on("reporter_warning", (msg) => out({ e: "warning", msg }));
  n.on("reporter_error", (msg) => out({ e: "error", msg }));
  n.on(MSG, (s) => out({ e: "event", name: MSG.name, args: [s] }));
  const ac = new AbortController();
  n.once("fatal", () => ac.abort());
  n.start({ signal: ac.signal }).then(
    () => out({ e: "started", id: n.nodeId }),
    (e: unknown) => out({ e: "start_failed", msg: String((e as Error).message ?? e) }),
  );
  await commands((cmd) => {
    if (cmd["cmd"] === "msg") out({ e: "sent", ok: n.publish(cmd["topic"] as string, MSG, [cmd["s"] as string]) });
  });
  await n.close();
}

const FAULT_COLUMNS = z.record({ ts: z.time, seq: z.count, note: z.string });

async function logSender(cfg: LogSenderConfig): Promise<void> {
  const sender = new LogSender({ nodeId: `fault-logsender-${process.pid}`, endpoints: cfg.endpoints, sendHighWaterMark: cfg.sndhwm, linger: cfg.linger ?? 500 });
  // One batch per record, so log_sndhwm counts records.
  const log = new Log({ sink: sender, flushInterval: 3600, writeBufferSize: 1 });
  const stream = log.createStream({ id: "Fault::LOG", columns: FAULT_COLUMNS, path: "fault" });
  sender.socket?.on("connected", (d) => out({ e: "connected", remote: d.remote }));
  sender.socket?.on("disconnected", (d) => out({ e: "disconnected", remote: d.remote }));
  out({ e: "started" });
  await commands((cmd) => {
    if (cmd["cmd"] !== "log") return;
    const from = cmd["from"] as number;
    const n = cmd["n"] as number;
    const before = sender.stats.hwmDroppedRecords;
    for (let i = 0; i < n; i++) stream.write({ ts: Date.now() / 1000, seq: BigInt(from + i), note: `record ${from + i}` });
    log.flush();
    const dropped = sender.stats.hwmDroppedRecords - before;
    out({ e: "logged", ok: n - dropped, dropped });
  });
  log.close();
  await sender.close();
}

const run = (p: Promise<void>): void =>
  void p.then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`fault-proc: ${(e as Error).stack}\n`);
      process.exit(1);
    },
  );

if (process.argv[2] === "--fault-broker") run(broker(JSON.parse(process.argv[3]!) as FaultBrokerConfig));
else if (process.argv[2] === "--fault-node") run(node(JSON.parse(process.argv[3]!) as FaultNodeConfig));
else if (process.argv[2] === "--fault-logsender") run(logSender(JSON.parse(process.argv[3]!) as LogSenderConfig));
