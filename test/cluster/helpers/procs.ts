// The cluster tests' processes (test/harness/proc.ts): node and broker processes (node-proc.ts,
// broker-proc.ts) speak JSON lines on stdout and take JSON commands on stdin. Everything binds
// 127.0.0.1 port 0.
import { resolve } from "node:path";
import type { NodeOptions } from "../../../src/cluster/options.js";
import { Proc } from "../../harness/proc.js";
import { ROOT, TEST_CWD } from "../../paths.js";

/** Stats line of a node-proc. */
export interface NodeStats {
  senders: Record<string, { received: number; last: number; gaps: number }>;
  xpubDrops: number;
  onloopDrops: number;
  onloop: number;
  maxOnloop: number;
  rssMb: number;
  up: Record<string, string>;
}
export const stats = async (p: Proc): Promise<NodeStats> => (await p.command({ cmd: "stats" }, "stats")) as unknown as NodeStats;

const script = (name: string): string => resolve(ROOT, `dist/test/cluster/helpers/${name}.js`);

export interface BrokerProc extends Proc {
  xsub: string;
  xpub: string;
}

/** The TS broker (src/cluster/broker.ts) in its own process. */
export async function startBroker(): Promise<BrokerProc> {
  const p = Proc.node(script("broker-proc"), ["--cluster-broker"], { label: "broker", cwd: TEST_CWD }) as BrokerProc;
  const l = await p.wait("broker");
  p.xsub = l["xsub"] as string;
  p.xpub = l["xpub"] as string;
  return p;
}

/** Layout entries: [name, type]. */
export type LayoutNodes = [name: string, type: "manager" | "logger" | "proxy" | "worker"][];

export interface NodeProcConfig {
  name: string;
  /** Omit for a node outside any layout (no discovery). */
  layout?: LayoutNodes;
  options?: Partial<NodeOptions>;
  eventFormat?: "broker-bin-v1" | "broker-json-v1";
  /** Extra subscriptions after start. */
  subscribe?: string[];
  /** Each `ping` handler call awaits a timer of this many ms (an async, slow handler). */
  handlerDelayMs?: number;
  /** ... on every n-th call only. @default 1 */
  handlerDelayEvery?: number;
  /** Serve /metrics on a free port. */
  metrics?: boolean;
  /** Publish this many pings to `topic` right after start() resolved, then report and exit. */
  publishOnStart?: { topic: string; n: number };
}

export interface NodeProc extends Proc {
  id: string;
  metricsUrl?: string;
}

/** Starts a cluster node process; resolves once it is ready to publish. */
export async function startNode(cfg: NodeProcConfig, broker: { xsub: string; xpub: string }, nodeFlags: string[] = []): Promise<NodeProc> {
  const full: NodeProcConfig = { ...cfg, options: { connectXpubEndpoint: broker.xsub, connectXsubEndpoint: broker.xpub, ...cfg.options } };
  const p = Proc.spawn(process.execPath, [...nodeFlags, script("node-proc"), "--cluster-node", JSON.stringify(full)], { label: cfg.name, cwd: TEST_CWD }) as NodeProc;
  const l = await p.wait("started");
  p.id = l["id"] as string;
  if (typeof l["metrics"] === "string") p.metricsUrl = l["metrics"];
  return p;
}

/** Sum of a metric's series in a Prometheus text page. */
export async function scrape(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split("\n"))
    if (line.startsWith(name + "{") || line.startsWith(name + " ")) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  return sum;
}
