// What the console takes from a node's /metrics: Zeek's own names (real Zeek nodes export them
// too), the process metrics Zeek and Prometheus clients share, and zeek-zmq's additions (the
// per-peer node_up gauge, the onloop queue length). Every number is optional: a node that does
// not export it shows "unknown", never a guess.
import { parsePrometheus, type ParseResult } from "./prometheus.js";
import { PROXY_STATISTICS } from "../telemetry/zeek-metrics.js";

/** The proxy counters (zmq_proxy STATISTICS order), as exposed with their `_total` suffix. */
export const PROXY_NAMES: readonly string[] = PROXY_STATISTICS.map(([n]) => `${n}_total`);

export interface LogPathCounters {
  /** Records written to files (zeek-zmq: zeek_logger_written_records_total; Zeek: zeek_log_writer_writes_total). */
  written: number;
  /** Records received from other nodes (zeek-zmq loggers). */
  received: number;
  /** Records received but not written (zeek-zmq loggers), all reasons. */
  dropped: number;
}

export interface NodeMetrics {
  eventsIn?: number;
  eventsOut?: number;
  xpubDrops?: number;
  onloopDrops?: number;
  msgErrors?: number;
  /** zeek_zmq_onloop_queue_length (zeek-zmq nodes only). */
  queue?: number;
  /** Zeek's zeek_cluster_onloop_queue_blocks_total (real Zeek nodes). */
  onloopBlocks?: number;
  limitHits?: number;
  rssBytes?: number;
  cpuSeconds?: number;
  startTimeSeconds?: number;
  /** zeek_zmq_node_up{peer}: this node's own view of its peers (zeek-zmq nodes). */
  peersUp?: Map<string, boolean>;
  /** Broker counters when this endpoint runs the broker, STATISTICS order. */
  proxy?: number[];
  logPaths?: Map<string, LogPathCounters>;
}

const SIMPLE: Readonly<Record<string, keyof NodeMetrics>> = {
  zeek_cluster_core_incoming_events_total: "eventsIn",
  zeek_cluster_core_outgoing_events_total: "eventsOut",
  zeek_cluster_zeromq_xpub_drops_total: "xpubDrops",
  zeek_cluster_zeromq_onloop_drops_total: "onloopDrops",
  zeek_cluster_zeromq_msg_errors_total: "msgErrors",
  zeek_zmq_onloop_queue_length: "queue",
  zeek_cluster_onloop_queue_blocks_total: "onloopBlocks",
  zeek_zmq_limit_hits_total: "limitHits",
  process_resident_memory_bytes: "rssBytes",
  process_start_time_seconds: "startTimeSeconds",
};
const CPU = new Set(["process_cpu_seconds_total", "process_cpu_seconds", "process_cpu_user_seconds_total", "process_cpu_system_seconds_total"]);
const LOG = new Set(["zeek_logger_written_records_total", "zeek_logger_received_records_total", "zeek_logger_dropped_records_total", "zeek_log_writer_writes_total"]);
const PROXY_INDEX = new Map(PROXY_NAMES.map((n, i) => [n, i]));
const PEER_UP = "zeek_zmq_node_up";

function wanted(name: string): boolean {
  return name in SIMPLE || CPU.has(name) || LOG.has(name) || PROXY_INDEX.has(name) || name === PEER_UP;
}

export interface Extracted {
  metrics: NodeMetrics;
  parse: ParseResult;
  /** The node name the series are labelled with (`node` or `endpoint`), if any. */
  labelledNode: string | undefined;
}

/** Most log paths / peers kept per node (peer-chosen names). */
const MAX_KEYS = 500;

/**
 * Reads a scrape. With `expectedNode`, series labelled for another node (an endpoint that
 * aggregates several nodes) are left out, so nothing is counted twice.
 */
export function extractNodeMetrics(text: string, expectedNode?: string): Extracted {
  const parse = parsePrometheus(text, wanted);
  const m: NodeMetrics = {};
  let labelledNode: string | undefined;
  let cpuTotal: number | undefined;
  let cpuParts: number | undefined;
  for (const s of parse.samples) {
    const owner = s.labels["node"] ?? s.labels["endpoint"];
    if (owner !== undefined) {
      labelledNode ??= owner;
      if (expectedNode !== undefined && owner !== expectedNode) continue;
    }
    if (!Number.isFinite(s.value)) continue;
    const key = SIMPLE[s.name];
    if (key !== undefined) {
      // Families with labels (e.g. onloop blocks per tag, limit hits per reason) are summed.
      (m as Record<string, number>)[key] = ((m as Record<string, number | undefined>)[key] ?? 0) + s.value;
      continue;
    }
    if (s.name === "process_cpu_seconds_total" || s.name === "process_cpu_seconds") cpuTotal = s.value;
    else if (CPU.has(s.name)) cpuParts = (cpuParts ?? 0) + s.value;
    else if (s.name === PEER_UP) {
      const peer = s.labels["peer"];
      if (peer === undefined) continue;
      m.peersUp ??= new Map();
      if (m.peersUp.size < MAX_KEYS || m.peersUp.has(peer)) m.peersUp.set(peer, s.value > 0);
    } else if (PROXY_INDEX.has(s.name)) {
      m.proxy ??= new Array<number>(8).fill(0);
      m.proxy[PROXY_INDEX.get(s.name)!]! += s.value;
    } else if (LOG.has(s.name)) {
      const path = s.labels["path"];
      if (path === undefined) continue;
      m.logPaths ??= new Map();
      let c = m.logPaths.get(path);
      if (c === undefined) {
        if (m.logPaths.size >= MAX_KEYS) continue;
        m.logPaths.set(path, (c = { written: 0, received: 0, dropped: 0 }));
      }
      if (s.name === "zeek_logger_received_records_total") c.received += s.value;
      else if (s.name === "zeek_logger_dropped_records_total") c.dropped += s.value;
      else c.written += s.value;
    }
  }
  const cpu = cpuTotal ?? cpuParts;
  if (cpu !== undefined) m.cpuSeconds = cpu;
  return { metrics: m, parse, labelledNode };
}
