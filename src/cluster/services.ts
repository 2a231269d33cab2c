// Prometheus HTTP service discovery for a cluster, as Zeek 8's manager offers it on its metrics
// port at /services.json: every node of the layout with a metrics port, as "<ip>:<port>"
// (docs/metrics.md has the format and where Zeek builds it).
import { isIPv6 } from "node:net";
import type { ClusterLayout } from "./layout.js";

/**
 * The scrape targets of `layout`: "<host>:<metricsPort>" for every node with a metrics port other
 * than 0 (Zeek skips unset and 0/unknown ports), IPv6 addresses in brackets, in layout order.
 */
export function metricsTargets(layout: ClusterLayout): string[] {
  const out: string[] = [];
  for (const n of layout.nodes) {
    if (n.metricsPort === undefined || n.metricsPort === 0) continue;
    const host = n.host.split("%")[0] ?? n.host;
    out.push(`${isIPv6(host) ? `[${n.host}]` : n.host}:${n.metricsPort}`);
  }
  return out;
}
