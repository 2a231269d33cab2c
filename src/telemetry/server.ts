// HTTP endpoint serving a registry in Prometheus text format at /metrics (Zeek: Telemetry::metrics_port),
// with the process metrics every exporter has, and on Zeek's manager the Prometheus HTTP service
// discovery document /services.json listing every node's metrics endpoint (docs/metrics.md).

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigError } from "../errors.js";
import { registerProcessMetrics } from "./process.js";
import type { MetricsRegistry } from "./registry.js";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
/** The content type Zeek serves /services.json with. */
export const SERVICES_CONTENT_TYPE = "application/json";

/**
 * Zeek's /services.json body: one target group with every "<host>:<metrics port>" and no labels,
 * exactly as Zeek 8's telemetry manager renders it (compact JSON).
 */
export function servicesJson(targets: readonly string[]): string {
  return JSON.stringify([{ targets, labels: {} }]);
}

export interface MetricsServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  readonly host: string;
  /** e.g. http://127.0.0.1:9991/metrics (IPv6 hosts in brackets). */
  readonly url: string;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  registry: MetricsRegistry;
  /** 0 picks a free port. */
  port: number;
  /** @default "127.0.0.1" */
  host?: string;
  /**
   * Serve /services.json (Prometheus HTTP service discovery) with these targets, as Zeek's manager
   * does (see metricsTargets in src/cluster/services.ts). @default none: /services.json is 404
   */
  serviceTargets?: readonly string[];
}

/** Starts the endpoint; rejects with ConfigError("metrics_port") if it cannot listen. */
export function startMetricsServer({ registry, port, host = "127.0.0.1", serviceTargets }: MetricsServerOptions): Promise<MetricsServer> {
  registerProcessMetrics(registry);
  // Built once: the layout does not change while the process runs (Zeek pre-builds it too).
  const services = serviceTargets === undefined ? undefined : servicesJson(serviceTargets);
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const body = path === "/metrics" ? undefined : path === "/services.json" && services !== undefined ? services : null;
    if (body === null) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found; metrics are at /metrics${services === undefined ? "" : ", service discovery at /services.json"}\n`);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const text = body ?? registry.render();
    res.writeHead(200, { "content-type": body === undefined ? PROMETHEUS_CONTENT_TYPE : SERVICES_CONTENT_TYPE, "content-length": Buffer.byteLength(text) });
    res.end(req.method === "HEAD" ? undefined : text);
  });
  // Scrapers keep connections alive; don't let them hold close() open.
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(new ConfigError("metrics_port", `cannot serve metrics on ${host}:${port}: ${err.message}`, { cause: err }));
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      const addr = server.address() as AddressInfo;
      const h = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
      resolve({
        port: addr.port,
        host: addr.address,
        url: `http://${h}:${addr.port}/metrics`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
