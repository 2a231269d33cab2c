// The process metrics operators expect from any exporter, under the standard Prometheus names
// (Prometheus client libraries' process_* and nodejs_* collectors), plus Zeek's own spellings of
// CPU time and virtual memory, and zeek-zmq's version. Read at scrape time from the process and,
// on Linux, /proc (as Zeek's telemetry does); every process serving /metrics registers them.
import { readdirSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { LoopLagSampler } from "./loop-lag.js";
import type { MetricsRegistry } from "./registry.js";
import { ZEEK_ZMQ_VERSION } from "./version.js";

/** Event-loop lag sampling interval. */
const LOOP_RESOLUTION_MS = 10;

let loop: LoopLagSampler | undefined;

// A scrape renders families in registration order: the first metric of a group takes the reading
// the others of the group share (so user + system = total, and the lag window is reset once).
let cpu = { user: 0, system: 0 };
let heap = { used: 0, total: 0, external: 0 };
/** Event-loop lag since the previous scrape, seconds. */
let lag = { mean: 0, p99: 0, max: 0 };

function readCpu(): number {
  const u = process.cpuUsage();
  cpu = { user: u.user / 1e6, system: u.system / 1e6 };
  return cpu.user + cpu.system;
}

function readHeap(): number {
  const m = process.memoryUsage();
  heap = { used: m.heapUsed, total: m.heapTotal, external: m.external };
  return heap.used;
}

function readLag(): number {
  lag = loop?.take() ?? { mean: 0, p99: 0, max: 0 };
  return lag.mean;
}

/** Open descriptors (Linux: /proc/self/fd, minus the one reading it); NaN where unknown. */
function openFds(): number {
  try {
    return readdirSync("/proc/self/fd").length - 1;
  } catch {
    return Number.NaN;
  }
}

/** The soft RLIMIT_NOFILE (Linux: /proc/self/limits); NaN where unknown, +Inf if unlimited. */
function maxFds(): number {
  try {
    const m = /^Max open files\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "latin1"));
    if (m?.[1] === "unlimited") return Infinity;
    return m?.[1] !== undefined ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Virtual memory size in bytes (Linux: field 23 of /proc/self/stat); NaN where unknown. */
function virtualMemory(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "latin1");
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[20]);
  } catch {
    return Number.NaN;
  }
}

const LINUX = process.platform === "linux";

/**
 * Registers the process metrics in `registry` (idempotent): process_cpu_seconds_total,
 * process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds, process_max_fds,
 * process_start_time_seconds, Zeek's process_cpu_{user,system}_seconds_total,
 * nodejs_eventloop_lag{,_p99,_max}_seconds, nodejs_heap_size_{used,total}_bytes,
 * nodejs_external_memory_bytes and zeek_zmq_version_info{version} 1.
 */
export function registerProcessMetrics(registry: MetricsRegistry): void {
  loop ??= new LoopLagSampler(LOOP_RESOLUTION_MS); // its timer does not keep the process alive
  registry.callbackCounter("process_cpu_seconds", "Total user and system CPU time spent in seconds.", readCpu);
  registry.callbackCounter("process_cpu_user_seconds", "Total user CPU time spent", () => cpu.user);
  registry.callbackCounter("process_cpu_system_seconds", "Total system CPU time spent", () => cpu.system);
  registry.callbackGauge("process_resident_memory_bytes", "Resident memory size in bytes.", () => process.memoryUsage.rss());
  if (LINUX) {
    registry.callbackGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", virtualMemory);
    registry.callbackGauge("process_open_fds", "Number of open file descriptors.", openFds);
    registry.callbackGauge("process_max_fds", "Maximum number of open file descriptors.", maxFds);
  }
  registry.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.").set(Math.round(performance.timeOrigin) / 1000);
  registry.callbackGauge("nodejs_eventloop_lag_seconds", "Mean event loop lag since the previous scrape, in seconds.", readLag);
  registry.callbackGauge("nodejs_eventloop_lag_p99_seconds", "99th percentile of the event loop lag since the previous scrape, in seconds.", () => lag.p99);
  registry.callbackGauge("nodejs_eventloop_lag_max_seconds", "Maximum event loop lag since the previous scrape, in seconds.", () => lag.max);
  registry.callbackGauge("nodejs_heap_size_used_bytes", "Process heap size used from Node.js in bytes.", readHeap);
  registry.callbackGauge("nodejs_heap_size_total_bytes", "Process heap size from Node.js in bytes.", () => heap.total);
  registry.callbackGauge("nodejs_external_memory_bytes", "Node.js external memory size in bytes.", () => heap.external);
  registry.gauge("zeek_zmq_version_info", "The zeek-zmq version", { version: ZEEK_ZMQ_VERSION }).set(1);
}
