// zeekctl's node.cfg (INI, read by Python's configparser) -> ClusterLayout, following what
// zeekctl does (ZeekControl/config.py `_read_nodes`/`_check_node`, install.py `make_layout`, and
// plugins/cluster_backend_zeromq.py): lb_procs expansion, per-type order, port allocation.

import { isIP } from "node:net";
import { ConfigError } from "../errors.js";
import { type ClusterLayout, type ClusterNode, NODE_TYPES, type NodeType, validateLayout } from "./layout-model.js";

/** zeekctl's default `ZeekPort`. */
export const ZEEKCTL_DEFAULT_ZEEK_PORT = 27760;

export interface NodeCfgOptions {
  /** zeekctl's ZeekPort. The ZeroMQ plugin uses it for the broker's XPUB, +1 for its XSUB, and
   *  numbers the nodes from +2 on (the first of those goes to zeekctl's "control" entry). */
  zeekPort?: number;
  /** zeekctl's MetricsPort. zeekctl's default is 9991; here 0 (no metrics ports) unless given,
   *  because zeek-zmq's metrics endpoint is off by default. */
  metricsPort?: number;
}

// Keys zeekctl's Node accepts; others are warned about and ignored, like zeekctl does.
const KNOWN_KEYS = new Set(["type", "host", "interface", "aux_scripts", "zeekbase", "ether", "zone_id", "lb_procs", "lb_method", "lb_interfaces", "pin_cpus", "env_vars"]);
const LB_METHODS = new Set(["af_packet", "pf_ring", "myricom", "custom", "interfaces"]);

interface Section {
  name: string;
  line: number;
  values: Map<string, string>;
}

/** configparser subset: [sections], key=value / key: value, full-line # and ; comments, indented continuations, [DEFAULT]. */
function parseIni(text: string, source: string): Section[] {
  const sections: Section[] = [];
  let defaults: Section | undefined;
  let cur: Section | undefined;
  let lastKey: string | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    const where = `${source}:${i + 1}`;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) {
      if (trimmed === "") lastKey = undefined;
      continue;
    }
    if (/^\s/.test(raw) && cur !== undefined && lastKey !== undefined) {
      cur.values.set(lastKey, `${cur.values.get(lastKey) ?? ""}\n${trimmed}`);
      continue;
    }
    const sec = /^\[([^\]]+)\]\s*$/.exec(trimmed);
    if (sec?.[1] !== undefined) {
      const name = sec[1].trim();
      lastKey = undefined;
      if (name === "DEFAULT") {
        defaults ??= { name, line: i + 1, values: new Map() };
        cur = defaults;
        continue;
      }
      if (sections.some((s) => s.name === name)) throw new ConfigError("layout", `${where}: section [${name}] appears twice`);
      cur = { name, line: i + 1, values: new Map() };
      sections.push(cur);
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (kv?.[1] === undefined || kv[2] === undefined) throw new ConfigError("layout", `${where}: expected "key=value" or "[node-name]", got ${JSON.stringify(trimmed)}`);
    if (cur === undefined) throw new ConfigError("layout", `${where}: "${kv[1]}" appears before any [node-name] section`);
    // configparser lowercases keys; zeekctl maps "." to "_".
    const key = kv[1].toLowerCase().replaceAll(".", "_");
    if (cur.values.has(key)) throw new ConfigError("layout", `${where}: option "${key}" appears twice in [${cur.name}]`);
    cur.values.set(key, kv[2]);
    lastKey = key;
  }
  if (defaults)
    for (const s of sections) for (const [k, v] of defaults.values) if (!s.values.has(k)) s.values.set(k, v);
  return sections;
}

/** zeekctl resolves hosts with getaddrinfo; we map localhost and strip zone ids, and keep other names as given. */
function hostAddr(host: string): string {
  if (host === "localhost") return "127.0.0.1";
  const noZone = host.split("%")[0] ?? host;
  return isIP(noZone) ? noZone : host;
}

/** Parses node.cfg text into a layout as zeekctl (with the ZeroMQ backend) would lay it out. */
export function parseNodeCfg(text: string, source: string, opts: NodeCfgOptions = {}): ClusterLayout {
  const zeekPort = opts.zeekPort ?? ZEEKCTL_DEFAULT_ZEEK_PORT;
  let metricsPort = opts.metricsPort ?? 0;
  const warnings: string[] = [];
  const byType: Record<NodeType, ClusterNode[]> = { manager: [], logger: [], proxy: [], worker: [] };
  for (const s of parseIni(text, source)) {
    const where = `${source}:${s.line}: node "${s.name}"`;
    for (const k of s.values.keys())
      if (!KNOWN_KEYS.has(k)) warnings.push(`${where}: ignoring unrecognized node config option '${k}' (as zeekctl does)`);
    const typeText = s.values.get("type")?.trim();
    if (!typeText) throw new ConfigError("layout", `${where}: no type given (type=manager|logger|proxy|worker)`);
    if (typeText === "standalone")
      throw new ConfigError("layout", `${where}: type=standalone is not a cluster; zeek-zmq needs a manager (type=manager) and the other roles`);
    const type = NODE_TYPES.find((t) => t === typeText);
    if (type === undefined) throw new ConfigError("layout", `${where}: unknown node type '${typeText}' (allowed: ${NODE_TYPES.join(", ")})`);
    const host = s.values.get("host")?.trim();
    if (!host) throw new ConfigError("layout", `${where}: no host given`);
    const iface = s.values.get("interface")?.trim();
    const base: ClusterNode = { name: s.name, type, host: hostAddr(host), ...(iface ? { interface: iface } : {}) };
    const lbRaw = s.values.get("lb_procs")?.trim();
    if (!lbRaw) {
      if (s.values.get("lb_method")?.trim()) throw new ConfigError("layout", `${where}: lb_method given without lb_procs`);
      byType[type].push(base);
      continue;
    }
    if (type !== "worker") throw new ConfigError("layout", `${where}: load balancing node config options are only for worker nodes`);
    if (!/^\d+$/.test(lbRaw) || Number(lbRaw) < 1)
      throw new ConfigError("layout", `${where}: lb_procs must be an integer greater than zero, got '${lbRaw}'`);
    const method = s.values.get("lb_method")?.trim();
    if (!method) throw new ConfigError("layout", `${where}: no load balancing method given (lb_method=af_packet|pf_ring|myricom|custom|interfaces)`);
    if (!LB_METHODS.has(method)) throw new ConfigError("layout", `${where}: unknown load balancing method '${method}'`);
    const n = Number(lbRaw);
    let ifaces: string[] | undefined;
    if (method === "interfaces") {
      ifaces = (s.values.get("lb_interfaces") ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "");
      if (ifaces.length !== n) throw new ConfigError("layout", `${where}: lb_interfaces must list exactly lb_procs (${n}) interfaces`);
    }
    // zeekctl names them <name>-1..N; with lb_method=interfaces it pops interfaces from the end.
    for (let i = 1; i <= n; i++) {
      const ifc = ifaces ? ifaces[n - i] : iface;
      byType.worker.push({ ...base, name: `${s.name}-${i}`, ...(ifc ? { interface: ifc } : {}) });
    }
  }
  if (byType.manager.length > 1) throw new ConfigError("layout", `${source}: only one manager can be defined in node config`);
  if (byType.proxy.length === 0) warnings.push(`${source}: no proxy defined (zeekctl refuses this; zeek-zmq accepts it)`);

  // make_layout order and port allocation: control (unused here), manager, loggers, proxies, workers.
  let next = zeekPort + 2 + 1;
  const nodes: ClusterNode[] = [];
  for (const t of NODE_TYPES) {
    for (const n of byType[t]) {
      const port = next++;
      if (port > 65535) throw new ConfigError("layout", `${source}: too many nodes for ZeekPort ${zeekPort}: port ${port} exceeds 65535`);
      const m = metricsPort > 0 ? metricsPort++ : undefined;
      nodes.push({ ...n, port, ...(m !== undefined ? { metricsPort: m } : {}) });
    }
  }
  const manager = byType.manager[0];
  return validateLayout({
    nodes,
    managerIsLogger: byType.logger.length === 0,
    ...(manager ? { broker: { host: manager.host, xpubPort: zeekPort, xsubPort: zeekPort + 1 } } : {}),
    warnings,
    source,
  });
}
