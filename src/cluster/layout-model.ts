// The shape of a cluster layout (Zeek's `Cluster::nodes` and what goes with it) and the checks
// every layout passes, whichever format it was read from (JSON/YAML in layout.ts, node.cfg in
// node-cfg.ts).
import { ConfigError } from "../errors.js";

export type NodeType = "manager" | "logger" | "proxy" | "worker";
export const NODE_TYPES: readonly NodeType[] = ["manager", "logger", "proxy", "worker"];

/** One entry of Zeek's `Cluster::nodes`. */
export interface ClusterNode {
  readonly name: string;
  readonly type: NodeType;
  /** Zeek's `$ip` (zeek-zmq also accepts a host name; it is not resolved here). */
  readonly host: string;
  /** Zeek's `$p`. On loggers (and the manager when it is the logger) the PULL port. */
  readonly port?: number;
  /** Zeek's `$metrics_port`: this node's Prometheus port. */
  readonly metricsPort?: number;
  /** zeekctl's `interface=` (workers); informational. */
  readonly interface?: string;
  /** zeek-zmq: this node also serves the web console on `ADDR:PORT` (e.g. "127.0.0.1:8080"). */
  readonly web?: string;
  /**
   * The node hosts Zeek's WebSocket API with these options (`Cluster::WebSocketServerOptions`,
   * e.g. `{ listen_port: 27759 }`); checked when the node starts (see src/websocket/options.ts).
   */
  readonly websocket?: Readonly<Record<string, unknown>>;
}

/** Where the central XPUB/XSUB broker (Zeek's proxy thread) listens, if the layout says so. */
export interface BrokerAddress {
  readonly host: string;
  /** The broker's XPUB port (node XSUBs connect here). */
  readonly xpubPort: number;
  /** The broker's XSUB port (node XPUBs connect here). */
  readonly xsubPort: number;
}

export interface ClusterLayout {
  /** Nodes in a stable order: the file's order (node.cfg: manager, loggers, proxies, workers). */
  readonly nodes: readonly ClusterNode[];
  /** Zeek's `Cluster::manager_is_logger` (Zeek default T; zeekctl writes F when loggers exist). */
  readonly managerIsLogger: boolean;
  readonly broker?: BrokerAddress;
  /** Raw `options` section of a JSON/YAML layout, validated by `resolveOptions`. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Non-fatal findings (e.g. node.cfg keys zeekctl would ignore too). */
  readonly warnings: readonly string[];
  /** File name or other label used in error messages. */
  readonly source: string;
}

/** @internal A layout error: ConfigError("layout", "<source>: <detail>"). */
export function fail(source: string, detail: string): never {
  throw new ConfigError("layout", `${source}: ${detail}`);
}

/** Checks what every layout must satisfy; returns it frozen. */
export function validateLayout(layout: ClusterLayout): ClusterLayout {
  const seen = new Map<string, string>();
  let managers = 0;
  for (const n of layout.nodes) {
    if (!/^[A-Za-z0-9_.:-]+$/.test(n.name))
      fail(layout.source, `node "${n.name}": names may only contain letters, digits, "_", ".", ":" and "-" (they become topic parts)`);
    const lower = n.name.toLowerCase();
    const prev = seen.get(lower);
    if (prev !== undefined) fail(layout.source, `node name "${n.name}" is a duplicate of "${prev}"`);
    seen.set(lower, n.name);
    if (n.type === "manager") managers++;
  }
  if (layout.nodes.length === 0) fail(layout.source, "no nodes defined");
  if (managers === 0) fail(layout.source, "no manager defined (exactly one node must have type manager)");
  if (managers > 1) fail(layout.source, "only one manager can be defined");
  for (const n of layout.nodes) {
    if (n.type === "logger" && n.port === undefined)
      fail(layout.source, `logger "${n.name}" needs a port: it is where its PULL socket listens for logs`);
    Object.freeze(n);
  }
  Object.freeze(layout.nodes);
  Object.freeze(layout.warnings);
  return Object.freeze(layout);
}
