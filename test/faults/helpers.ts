// Shared pieces of the fault suite: the fault processes (fault-proc.ts) and cluster nodes of one
// layout, optionally wrapped in a command prefix (e.g. `ip netns exec NS`), on the test harness
// (test/harness/proc.ts). Every process is registered in a set the test kills in after().
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import type { NodeOptions } from "../../src/cluster/options.js";
import { type BrokerProc, type LayoutNodes, type NodeProc, type NodeProcConfig, stats } from "../cluster/helpers/procs.js";
import { Proc, type ProcSet } from "../harness/proc.js";
import { until } from "../harness/until.js";
import { CLI, ROOT, TEST_CWD } from "../paths.js";
import type { FaultBrokerConfig, FaultNodeConfig, LogSenderConfig } from "./fault-proc.js";

export const LAYOUT: LayoutNodes = [
  ["manager", "manager"],
  ["worker-1", "worker"],
  ["worker-2", "worker"],
];

const FAULT_PROC = resolve(ROOT, "dist/test/faults/fault-proc.js");
const NODE_PROC = resolve(ROOT, "dist/test/cluster/helpers/node-proc.js");

/** The TS Broker in its own process on the given endpoints (port 0 = free ports). */
export async function startFaultBroker(set: ProcSet, cfg: FaultBrokerConfig, prefix: string[] = []): Promise<BrokerProc> {
  const argv = [...prefix, process.execPath, FAULT_PROC, "--fault-broker", JSON.stringify(cfg)];
  const p = set.add(Proc.spawn(argv[0]!, argv.slice(1), { label: "broker", cwd: TEST_CWD }) as BrokerProc);
  const l = await p.wait("broker");
  p.xsub = l["xsub"] as string;
  p.xpub = l["xpub"] as string;
  return p;
}

/**
 * A cluster node process (test/cluster/helpers/node-proc.ts) of LAYOUT, registered in `set`;
 * `prefix` wraps the command (e.g. `ip netns exec NS`).
 */
export async function startLayoutNode(set: ProcSet, name: string, broker: { xsub: string; xpub: string }, options: Partial<NodeOptions> = {}, extra: { handlerDelayMs?: number; prefix?: string[] } = {}): Promise<NodeProc> {
  const cfg: NodeProcConfig = {
    name,
    layout: LAYOUT,
    options: { connectXpubEndpoint: broker.xsub, connectXsubEndpoint: broker.xpub, ...options },
    ...(extra.handlerDelayMs !== undefined ? { handlerDelayMs: extra.handlerDelayMs } : {}),
  };
  const argv = [...(extra.prefix ?? []), process.execPath, NODE_PROC, "--cluster-node", JSON.stringify(cfg)];
  const p = set.add(Proc.spawn(argv[0]!, argv.slice(1), { label: name, cwd: TEST_CWD }) as NodeProc);
  p.id = (await p.wait("started"))["id"] as string;
  return p;
}

/** A --fault-node process (does not wait for it to start: the CURVE refusals never do). */
export function spawnFaultNode(set: ProcSet, name: string, broker: { xsub: string; xpub: string }, options: Partial<NodeOptions> = {}): Proc {
  const cfg: FaultNodeConfig = { name, layout: LAYOUT, options: { connectXpubEndpoint: broker.xsub, connectXsubEndpoint: broker.xpub, ...options } };
  return set.add(Proc.node(FAULT_PROC, ["--fault-node", JSON.stringify(cfg)], { label: name, cwd: TEST_CWD }));
}

export async function startLogSender(set: ProcSet, cfg: LogSenderConfig): Promise<Proc> {
  const p = set.add(Proc.node(FAULT_PROC, ["--fault-logsender", JSON.stringify(cfg)], { label: "logsender", cwd: TEST_CWD }));
  await p.wait("started");
  return p;
}

/** `zeek-zmq logger --listen EP --dir DIR`; resolves with the bound endpoint. */
export async function startCliLogger(set: ProcSet, listen: string, dir: string): Promise<{ proc: Proc; endpoint: string }> {
  const p = set.add(Proc.node(CLI, ["logger", "--listen", listen, "--dir", dir], { label: "logger", cwd: TEST_CWD, stdin: "ignore" }));
  return { proc: p, endpoint: (await p.line(/^listening on (\S+)/))[1]! };
}

/** Waits until every node in `nodes` sees all the others up. */
export async function allUp(nodes: NodeProc[], ms = 15_000): Promise<void> {
  for (const p of nodes) await until(`${p.label} sees the ${nodes.length - 1} others up`, () => stats(p), (s) => Object.keys(s.up).length === nodes.length - 1, ms);
}

/** True if `cmd` can be run (for skip decisions). */
export function have(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}
