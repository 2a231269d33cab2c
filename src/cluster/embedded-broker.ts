// The broker a node runs itself (Zeek's run_proxy_thread): started on a worker thread before
// the node connects, with the endpoints the node then connects to.
import { ConfigError } from "../errors.js";
import type { MetricsRegistry } from "../telemetry/registry.js";
import { parseEndpoint } from "../transport/endpoint.js";
import { brokerOptions, connectableEndpoint, isEphemeral } from "./broker.js";
import { startBrokerThread, type BrokerThread } from "./broker-thread.js";
import { DEBUG_THREAD, type NodeOptions } from "./options.js";

export interface EmbeddedBroker {
  readonly thread: BrokerThread;
  /** Where the broker really listens, connectable (free ports resolved, wildcard hosts made local). */
  readonly endpoints: { readonly xpub: string; readonly xsub: string };
  /** Where the node connects its XPUB and XSUB. */
  readonly connectXpub: string;
  readonly connectXsub: string;
}

/**
 * Starts the broker thread of `o` (run_proxy_thread). `fatal` gets a failure of the running
 * broker, `warn` a node that runs one broker but connects to another.
 */
export async function startEmbeddedBroker(o: NodeOptions, registry: MetricsRegistry, fatal: (e: Error) => void, warn: (m: string) => void): Promise<EmbeddedBroker> {
  let thread: BrokerThread;
  try {
    thread = await startBrokerThread({ ...brokerOptions(o), debug: (o.debugFlags & DEBUG_THREAD) !== 0 }, registry, fatal);
  } catch (e) {
    throw new ConfigError("run_proxy_thread", (e as Error).message, { cause: e });
  }
  const xpub = connectableEndpoint(thread.xpubEndpoint);
  const xsub = connectableEndpoint(thread.xsubEndpoint);
  // With free ports (":*" / ":0") the node connects where its own broker really listens.
  const connectXsub = isEphemeral(o.listenXpubEndpoint) ? xpub : o.connectXsubEndpoint;
  const connectXpub = isEphemeral(o.listenXsubEndpoint) ? xsub : o.connectXpubEndpoint;
  const port = (e: string) => {
    const ep = parseEndpoint(e);
    return ep.transport === "tcp" ? ep.port : ep.path;
  };
  if (port(connectXsub) !== port(xpub) || port(connectXpub) !== port(xsub))
    warn(`this node runs the broker (xpub ${xpub}, xsub ${xsub}) but connects to connect_xsub_endpoint ${connectXsub}, connect_xpub_endpoint ${connectXpub}`);
  return { thread, endpoints: { xpub, xsub }, connectXpub, connectXsub };
}
