// Zeek's WebSocket events and records (base/frameworks/cluster/types.zeek, events.bif) and the
// cluster.log lines its base scripts write for them (base/frameworks/cluster/main.zeek).
import { defineEvent } from "../codec/broker/typed.js";
import { z, type PortText } from "../codec/broker/types.js";

/** `Cluster::NetworkInfo`. */
export const NETWORK_INFO = z.record({ address: z.string, bound_port: z.port }, "Cluster::NetworkInfo");
/** `Cluster::EndpointInfo`. */
export const ENDPOINT_INFO = z.record({ id: z.string, network: NETWORK_INFO, application_name: z.optional(z.string) }, "Cluster::EndpointInfo");

/** A WebSocket client as Zeek describes it: its backend's node id, its address, its X-Application-Name. */
export interface EndpointInfo {
  id: string;
  network: { address: string; bound_port: PortText };
  application_name?: string;
}

/** `Cluster::websocket_client_added(endpoint: EndpointInfo, subscriptions: string_vec)`: raised on the hosting node before the ack. */
export const WEBSOCKET_CLIENT_ADDED = defineEvent("Cluster::websocket_client_added", [ENDPOINT_INFO, z.vector(z.string)], ["endpoint", "subscriptions"]);
/** `Cluster::websocket_client_lost(endpoint: EndpointInfo, code: count, reason: string)`: raised on the hosting node once the client's backend is gone. */
export const WEBSOCKET_CLIENT_LOST = defineEvent("Cluster::websocket_client_lost", [ENDPOINT_INFO, z.count, z.string], ["endpoint", "code", "reason"]);

/** Zeek's `Cluster::format_endpoint_info`: `'<id>' (<address>:<port>)[ application_name=<name>]`. */
export function formatEndpointInfo(e: EndpointInfo): string {
  const port = e.network.bound_port.slice(0, e.network.bound_port.indexOf("/"));
  let s = `'${e.id}' (${e.network.address}:${port})`;
  if (e.application_name !== undefined) s += ` application_name=${e.application_name}`;
  return s;
}

/** The cluster.log message of websocket_client_added: `WebSocket client '<id>' (<addr>:<port>) subscribed to [a, b]`. */
export function clientAddedMessage(e: EndpointInfo, subscriptions: readonly string[]): string {
  return `WebSocket client ${formatEndpointInfo(e)} subscribed to [${subscriptions.join(", ")}]`;
}

/** The cluster.log message of websocket_client_lost: `... gone with code N[ and reason '<reason>']`. */
export function clientLostMessage(e: EndpointInfo, code: number, reason: string): string {
  return `WebSocket client ${formatEndpointInfo(e)} gone with code ${code}${reason.length > 0 ? ` and reason '${reason}'` : ""}`;
}
