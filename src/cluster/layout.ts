// Cluster layouts: which nodes exist, their roles, hosts and ports. Zeek keeps this in the
// `Cluster::nodes` table (cluster-layout.zeek); zeekctl generates that table from node.cfg. We read
// a JSON/YAML layout or node.cfg and derive what Zeek derives from it (log endpoints, pools).

import { readFile } from "node:fs/promises";
import { isIPv6 } from "node:net";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../errors.js";
import { didYouMean } from "../suggest.js";
import { type BrokerAddress, type ClusterLayout, type ClusterNode, fail, NODE_TYPES, type NodeType, validateLayout } from "./layout-model.js";
import { parseNodeCfg } from "./node-cfg.js";
import type { NodeOptions } from "./option-specs.js";

export { type BrokerAddress, type ClusterLayout, type ClusterNode, NODE_TYPES, type NodeType, validateLayout } from "./layout-model.js";

/** Port as Zeek writes it (`27832/tcp`) or a plain integer. */
export function parsePort(value: unknown, source: string, what: string): number {
  let n: number = Number.NaN;
  if (typeof value === "number") n = value;
  else if (typeof value === "string") {
    const m = /^\s*(\d{1,5})(?:\/tcp)?\s*$/.exec(value);
    if (m?.[1] !== undefined) n = Number(m[1]);
  }
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    fail(source, `${what} must be a TCP port 1..65535 (e.g. 27832 or "27832/tcp"), got ${JSON.stringify(value)}`);
  return n;
}

// ---- the JSON/YAML layout document, as TypeScript sees it ----

/** A port as Zeek writes it (`27832/tcp`), as text, or a plain integer. */
export type LayoutPort = number | `${number}` | `${number}/tcp`;

/** A node's role: `worker`, Zeek's `WORKER` or `Cluster::WORKER` (any case at run time). */
export type LayoutNodeType = NodeType | Uppercase<NodeType> | `Cluster::${Uppercase<NodeType>}`;

/** One node of a layout document (Zeek's and zeekctl's spellings of a key are both accepted). */
export type LayoutNodeEntry = {
  /** Zeek's `$ip`, or a host name. @default "127.0.0.1" */
  readonly host?: string;
  readonly ip?: string;
  /** Zeek's `$p`: on loggers (and the manager when it is the logger) the PULL port. */
  readonly port?: LayoutPort;
  readonly p?: LayoutPort;
  /** This node's Prometheus port. */
  readonly metricsPort?: LayoutPort;
  readonly metrics_port?: LayoutPort;
  /** zeekctl's `interface=` (workers); informational. */
  readonly interface?: string;
  /** Workers only: expands into `NAME-1` ... `NAME-N`. */
  readonly lbProcs?: number;
  readonly lb_procs?: number;
  /** The node serves the web console on `ADDR:PORT`. */
  readonly web?: `${string}:${number}`;
  /**
   * The node hosts Zeek's WebSocket API with these `Cluster::WebSocketServerOptions`, in Zeek's
   * or camelCase spelling (`{ listen_port: 27759 }`); checked when the node starts.
   */
  readonly websocket?: Readonly<Record<string, unknown>>;
  /** In a list of nodes, the node's name; in a map, the map key is. */
  readonly name?: string;
} & ({ readonly type: LayoutNodeType } | { readonly node_type: LayoutNodeType });

type SnakeCase<S extends string, Acc extends string = ""> = S extends `${infer C}${infer R}` ? SnakeCase<R, `${Acc}${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}`> : Acc;
type KebabCase<S extends string> = S extends `${infer A}_${infer B}` ? KebabCase<`${A}-${B}`> : S;
/** What a layout may give for an option whose value is of type T (the parsers also read text). */
type LayoutOptionValue<T> = [T] extends [boolean] ? boolean | string : [T] extends [number | undefined] ? number | string : [T] extends [string] ? T : [T] extends [readonly string[]] ? string | readonly string[] : never;

/**
 * A layout's `options:`: every node option under Zeek's name (`xpub_sndhwm`), its camelCase TS
 * key (`xpubSndhwm`) or its flag name (`xpub-sndhwm`); values as in a JSON/YAML file (numbers,
 * booleans, text such as "T" or "10 sec", lists).
 */
export type LayoutOptions = {
  readonly [K in keyof NodeOptions as K | SnakeCase<K> | KebabCase<SnakeCase<K>>]?: LayoutOptionValue<NodeOptions[K]>;
};

/**
 * A JSON/YAML cluster layout (what `zeek-zmq cluster FILE` reads), e.g.
 * `{ nodes: { manager: { type: "manager" }, "worker-1": { type: "worker", interface: "eth0" } } }`.
 */
export interface LayoutDocument {
  /** A map name -> node (like Zeek's `Cluster::nodes`) or a list of nodes with `name`. */
  readonly nodes: Readonly<Record<string, LayoutNodeEntry>> | readonly (LayoutNodeEntry & { readonly name: string })[];
  /** Zeek's `Cluster::manager_is_logger`. @default true */
  readonly managerIsLogger?: boolean;
  readonly manager_is_logger?: boolean;
  /** Where the central XPUB/XSUB broker listens (nodes connect there). */
  readonly broker?: { readonly host?: string; readonly xpubPort: LayoutPort; readonly xsubPort: LayoutPort };
  /** Node options for every node of the layout. */
  readonly options?: LayoutOptions;
}

const NODE_KEYS = new Set(["type", "node_type", "host", "ip", "port", "p", "metricsPort", "metrics_port", "interface", "name", "lbProcs", "lb_procs", "web", "websocket"]);

function nodeTypeOf(value: unknown, source: string, where: string): NodeType {
  const t = typeof value === "string" ? value.toLowerCase().replace(/^cluster::/, "") : value;
  if (typeof t === "string" && (NODE_TYPES as readonly string[]).includes(t)) return t as NodeType;
  return fail(source, `${where}: type must be one of ${NODE_TYPES.join(", ")}, got ${JSON.stringify(value)}`);
}

/**
 * Builds a layout from a layout document (see LayoutDocument):
 * `{ managerIsLogger?, broker?: {host, xpubPort, xsubPort}, options?: {...}, nodes }` where `nodes`
 * is a map name -> entry (like `Cluster::nodes`) or a list of entries with `name`. An entry has
 * `type`, `host` (or `ip`), optional `port` (or `p`), `metricsPort`, `interface`, `lbProcs`,
 * `web`, `websocket`. Checked at run time too; `source` names the layout in errors.
 */
export function layoutFromObject(doc: LayoutDocument, source = "layout"): ClusterLayout {
  return layoutFromDocument(doc, source);
}

/** @internal layoutFromObject for a document nothing vouches for (parsed from a file): every part is checked. */
export function layoutFromDocument(doc: unknown, source: string): ClusterLayout {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) fail(source, "a layout must be an object with a `nodes` entry");
  const d = doc as Record<string, unknown>;
  const topKeys = ["nodes", "managerIsLogger", "manager_is_logger", "broker", "options"];
  for (const k of Object.keys(d))
    if (!topKeys.includes(k)) fail(source, `unknown top-level key "${k}"${didYouMean(k, topKeys, (c) => `"${c}"`)} (allowed: nodes, managerIsLogger, broker, options)`);
  const rawNodes = d["nodes"];
  const entries: [string, unknown][] = [];
  if (Array.isArray(rawNodes)) {
    rawNodes.forEach((e, i) => {
      const name = (e as Record<string, unknown> | null)?.["name"];
      if (typeof name !== "string" || name === "") fail(source, `nodes[${i}]: missing "name"`);
      entries.push([name, e]);
    });
  } else if (typeof rawNodes === "object" && rawNodes !== null) {
    entries.push(...Object.entries(rawNodes));
  } else fail(source, "`nodes` must be a map of name -> node or a list of nodes");

  const nodes: ClusterNode[] = [];
  for (const [name, raw] of entries) {
    const where = `node "${name}"`;
    if (typeof raw !== "object" || raw === null) fail(source, `${where}: must be an object`);
    const e = raw as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!NODE_KEYS.has(k)) fail(source, `${where}: unknown key "${k}"${didYouMean(k, NODE_KEYS, (c) => `"${c}"`)}`);
    const type = nodeTypeOf(e["type"] ?? e["node_type"], source, where);
    const host = e["host"] ?? e["ip"] ?? "127.0.0.1";
    if (typeof host !== "string" || host.trim() === "") fail(source, `${where}: host must be a non-empty string`);
    const portRaw = e["port"] ?? e["p"];
    const metricsRaw = e["metricsPort"] ?? e["metrics_port"];
    const iface = e["interface"];
    if (iface !== undefined && typeof iface !== "string") fail(source, `${where}: interface must be a string`);
    const web = e["web"];
    if (web !== undefined && (typeof web !== "string" || !/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(web) || Number(web.slice(web.lastIndexOf(":") + 1)) > 65535))
      fail(source, `${where}: web must be ADDR:PORT for the web console (e.g. "127.0.0.1:8080"), got ${JSON.stringify(web)}`);
    const ws = e["websocket"];
    if (ws !== undefined && (typeof ws !== "object" || ws === null || Array.isArray(ws))) fail(source, `${where}: websocket must be a map of WebSocket server options, e.g. { listen_port: 27759 }`);
    const base: ClusterNode = {
      name,
      type,
      host: host.trim(),
      ...(portRaw === undefined ? {} : { port: parsePort(portRaw, source, `${where}: port`) }),
      ...(metricsRaw === undefined ? {} : { metricsPort: parsePort(metricsRaw, source, `${where}: metricsPort`) }),
      ...(iface === undefined ? {} : { interface: iface }),
      ...(web === undefined ? {} : { web: web as string }),
      ...(ws === undefined ? {} : { websocket: ws as Record<string, unknown> }),
    };
    const lb = e["lbProcs"] ?? e["lb_procs"];
    if (lb === undefined) nodes.push(base);
    else {
      if (type !== "worker") fail(source, `${where}: lbProcs is only for workers`);
      if (!Number.isInteger(lb) || (lb as number) < 1) fail(source, `${where}: lbProcs must be an integer >= 1, got ${JSON.stringify(lb)}`);
      if (base.port !== undefined || base.metricsPort !== undefined || base.web !== undefined || base.websocket !== undefined) fail(source, `${where}: lbProcs cannot be combined with port/metricsPort/web/websocket`);
      for (let i = 1; i <= (lb as number); i++) nodes.push({ ...base, name: `${name}-${i}` });
    }
  }

  const mil = d["managerIsLogger"] ?? d["manager_is_logger"];
  if (mil !== undefined && typeof mil !== "boolean") fail(source, `managerIsLogger must be true or false, got ${JSON.stringify(mil)}`);
  let broker: BrokerAddress | undefined;
  if (d["broker"] !== undefined) {
    const b = d["broker"] as Record<string, unknown> | null;
    if (typeof b !== "object" || b === null) fail(source, "broker must be an object {host, xpubPort, xsubPort}");
    const host = b["host"] ?? "127.0.0.1";
    if (typeof host !== "string" || host === "") fail(source, "broker.host must be a non-empty string");
    broker = { host, xpubPort: parsePort(b["xpubPort"], source, "broker.xpubPort"), xsubPort: parsePort(b["xsubPort"], source, "broker.xsubPort") };
  }
  const options = d["options"];
  if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options)))
    fail(source, "options must be a map of option name -> value");

  return validateLayout({
    nodes,
    managerIsLogger: mil ?? true,
    ...(broker ? { broker } : {}),
    ...(options ? { options: options as Record<string, unknown> } : {}),
    warnings: [],
    source,
  });
}

/** Parses layout text; the format comes from `format` or the file name (.json, .yaml/.yml, .cfg). */
export function parseLayout(text: string, source: string, format?: "json" | "yaml" | "node.cfg"): ClusterLayout {
  const fmt = format ?? (/\.json$/i.test(source) ? "json" : /\.ya?ml$/i.test(source) ? "yaml" : /\.cfg$/i.test(source) ? "node.cfg" : undefined);
  if (fmt === undefined) fail(source, "unknown layout format: use a .json, .yaml/.yml or zeekctl node.cfg (.cfg) file");
  if (fmt === "node.cfg") return parseNodeCfg(text, source);
  let doc: unknown;
  try {
    doc = fmt === "json" ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    fail(source, `not valid ${fmt.toUpperCase()}: ${(err as Error).message}`);
  }
  return layoutFromDocument(doc, source);
}

/** Reads and parses a layout file. */
export async function loadLayout(path: string): Promise<ClusterLayout> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ConfigError("layout", `cannot read layout file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseLayout(text, path);
}

/** The named node, or a ConfigError listing the names the layout has. */
export function findNode(layout: ClusterLayout, name: string): ClusterNode {
  const n = layout.nodes.find((x) => x.name === name);
  if (n === undefined)
    fail(layout.source, `no node named "${name}" (layout has: ${layout.nodes.map((x) => x.name).join(", ")})`);
  return n;
}

/** Zeek's `addr_to_uri`: IPv6 addresses in brackets, anything else unchanged. */
export function addrToUri(host: string): string {
  return isIPv6(host) ? `[${host}]` : host;
}

/** True when `name` binds the PULL socket for logs (a logger, or the manager when it is the logger). */
export function isLogReceiver(layout: ClusterLayout, node: ClusterNode): boolean {
  return node.type === "logger" || (layout.managerIsLogger && node.type === "manager");
}

/**
 * Zeek's `connect_log_endpoints` for node `selfName` (main.zeek, zeek_init &priority=100): empty on
 * log receivers; otherwise every logger with a port, plus the manager with a port when
 * manager_is_logger. Quirk kept from Zeek: the manager's address is NOT passed through
 * addr_to_uri, so an IPv6 manager yields an unbracketed (unusable) endpoint.
 */
export function connectLogEndpoints(layout: ClusterLayout, selfName: string): string[] {
  const self = findNode(layout, selfName);
  if (isLogReceiver(layout, self)) return [];
  const out: string[] = [];
  for (const n of layout.nodes) {
    if (n.port === undefined) continue;
    if (n.type === "logger") out.push(`tcp://${addrToUri(n.host)}:${n.port}`);
    if (layout.managerIsLogger && n.type === "manager") out.push(`tcp://${n.host}:${n.port}`);
  }
  return out;
}

/** Zeek's `listen_log_endpoint` for `selfName`: `tcp://<addr_to_uri(ip)>:<p>` on log receivers with a port, else "". */
export function listenLogEndpoint(layout: ClusterLayout, selfName: string): string {
  const self = findNode(layout, selfName);
  if (!isLogReceiver(layout, self) || self.port === undefined) return "";
  return `tcp://${addrToUri(self.host)}:${self.port}`;
}

/** Broker endpoints (node connect side and broker listen side) when the layout names the broker. */
export function brokerEndpoints(layout: ClusterLayout):
  | { listenXpubEndpoint: string; listenXsubEndpoint: string; connectXsubEndpoint: string; connectXpubEndpoint: string }
  | undefined {
  const b = layout.broker;
  if (b === undefined) return undefined;
  const h = addrToUri(b.host);
  const xpub = `tcp://${h}:${b.xpubPort}`;
  const xsub = `tcp://${h}:${b.xsubPort}`;
  // A node's XSUB connects to the broker's XPUB and vice versa (wire.md §2.1).
  return { listenXpubEndpoint: xpub, listenXsubEndpoint: xsub, connectXsubEndpoint: xpub, connectXpubEndpoint: xsub };
}

/** Pool kinds of Zeek's cluster framework, in the order Zeek sorts pools (by topic). */
export type PoolType = "logger" | "proxy" | "worker";
export const POOL_TYPES: readonly PoolType[] = ["logger", "proxy", "worker"];

/**
 * Names of the nodes in Zeek's default pool of `type` (pools.zeek, zeek_init &priority=-5): the
 * nodes of that type sorted by name with strcmp, plus the manager appended to the logger pool
 * when manager_is_logger. This order is the pool's `node_list` (round-robin order).
 */
export function poolNodeNames(layout: ClusterLayout, type: PoolType): string[] {
  const names = layout.nodes.filter((n) => n.type === type).map((n) => n.name);
  names.sort(strcmp);
  if (type === "logger" && layout.managerIsLogger) {
    const mgr = layout.nodes.find((n) => n.type === "manager");
    if (mgr) names.push(mgr.name);
  }
  return names;
}

/** C strcmp order on UTF-8 bytes (JS `<` compares UTF-16 units). */
export function strcmp(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
