// run_proxy_thread: the broker on its own thread (a worker_thread), as Zeek runs zmq_proxy on a
// thread of the manager, so forwarding never waits for the node's event handlers. The proxy
// statistics live in shared memory, so the node's /metrics reads them without messages.
import { once } from "node:events";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { MetricsRegistry } from "../telemetry/registry.js";
import { PROXY_STATISTICS, limitHits } from "../telemetry/zeek-metrics.js";
import { Broker, type BrokerOptions } from "./broker.js";

type ThreadOptions = Omit<BrokerOptions, "registry"> & { debug?: boolean };

interface Ready {
  type: "ready";
  xsub: string;
  xpub: string;
}
interface Failed {
  type: "error";
  message: string;
}
/** Limit hits since the last report, by reason (zeek_zmq_limit_hits_total in the node's registry). */
interface Limits {
  type: "limits";
  hits: [reason: string, n: number][];
}

export interface BrokerThread {
  readonly xsubEndpoint: string;
  readonly xpubEndpoint: string;
  /** zmq_proxy STATISTICS order: frontend msgs/bytes received/sent, then backend. */
  statistics(): number[];
  close(): Promise<void>;
}

/**
 * Starts the broker on a worker thread; resolves once both sockets are bound. If `registry` is
 * given, Zeek's proxy counters there are kept in step with the thread's. `onFailure` hears of
 * the thread dying afterwards (an uncaught error or an exit that close() did not ask for).
 */
export async function startBrokerThread(opts: ThreadOptions, registry?: MetricsRegistry, onFailure?: (error: Error) => void): Promise<BrokerThread> {
  const stats = new Float64Array(new SharedArrayBuffer(8 * 8));
  const worker = new Worker(new URL(import.meta.url), { workerData: { opts, stats } });
  const debug = (m: string) => opts.debug && process.stderr.write(`zeek-zmq broker thread: ${m}\n`);
  const started = new AbortController(); // removes the losing listener of the race below
  const [msg] = (await Promise.race([
    once(worker, "message", { signal: started.signal }),
    once(worker, "error", { signal: started.signal }).then(([e]) => [{ type: "error", message: String((e as Error).message) }]),
  ]).finally(() => started.abort())) as [Ready | Failed];
  if (msg.type === "error") {
    await worker.terminate();
    throw new Error(`broker thread failed to start: ${msg.message}`);
  }
  let stopping = false;
  worker.on("error", (e) => onFailure?.(e instanceof Error ? e : new Error(String(e))));
  worker.on("exit", (code) => {
    if (!stopping) onFailure?.(new Error(`the broker thread exited (code ${code})`));
  });
  worker.on("message", (m: Limits) => {
    if (m.type === "limits" && registry !== undefined) for (const [reason, n] of m.hits) limitHits(registry, reason).value += n;
  });
  debug(`started: xsub ${msg.xsub}, xpub ${msg.xpub}`);
  worker.unref();
  // The thread's counters, read at scrape time under Zeek's names.
  PROXY_STATISTICS.forEach(([name, help], i) => registry?.callbackCounter(name, help, () => stats[i]!));
  return {
    xsubEndpoint: msg.xsub,
    xpubEndpoint: msg.xpub,
    statistics: () => Array.from(stats),
    async close() {
      stopping = true;
      worker.postMessage("stop");
      worker.ref(); // keep the process alive until the thread has closed its sockets
      await once(worker, "exit");
      debug("stopped");
    },
  };
}

async function threadMain(): Promise<void> {
  const { opts, stats } = workerData as { opts: ThreadOptions; stats: Float64Array };
  const broker = new Broker(opts);
  try {
    const ep = await broker.start();
    parentPort!.postMessage({ type: "ready", xsub: ep.xsub, xpub: ep.xpub } satisfies Ready);
  } catch (e) {
    parentPort!.postMessage({ type: "error", message: e instanceof Error ? e.message : String(e) } satisfies Failed);
    await broker.close();
    return;
  }
  const reported = new Map<string, number>();
  const publish = () => {
    broker.metrics.statistics().forEach((v, i) => (stats[i] = v));
    const hits: [string, number][] = [];
    for (const [reason, total] of broker.limits.totals) {
      const n = total - (reported.get(reason) ?? 0);
      if (n > 0) hits.push([reason, n]);
      reported.set(reason, total);
    }
    if (hits.length > 0) parentPort!.postMessage({ type: "limits", hits } satisfies Limits);
  };
  const timer = setInterval(publish, 250);
  parentPort!.on("message", (m) => {
    if (m !== "stop") return;
    clearInterval(timer);
    publish();
    void broker.close().then(() => process.exit(0));
  });
}

if (!isMainThread && (workerData as { stats?: unknown } | null)?.stats !== undefined) void threadMain();
