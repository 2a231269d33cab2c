// Zeek 8.2's WebSocket API: any program joins the cluster over WebSocket with Broker JSON v1.
import "./node-hosting.js";
export { NodeWebSockets, type WebSocketHost } from "./host.js";
export { WebSocketServer, type WebSocketServerEvents } from "./server.js";
export {
  resolveWebSocketOptions,
  websocketOptionsFromObject,
  WEBSOCKET_DEFAULTS,
  ZEEK_VERSION,
  DEFAULT_WEBSOCKET_MAX_EVENT_QUEUE_SIZE,
  DEFAULT_WEBSOCKET_PING_INTERVAL,
  type WebSocketServerOptions,
  type WebSocketTlsOptions,
  type ResolvedWebSocketOptions,
  type UnknownEventPolicy,
  type WebSocketMetricsType,
} from "./options.js";
export { WEBSOCKET_CLIENT_ADDED, WEBSOCKET_CLIENT_LOST, ENDPOINT_INFO, NETWORK_INFO, formatEndpointInfo, type EndpointInfo } from "./events.js";
export { API_PATH, ackText, errorText, dataMessage } from "./protocol.js";
export { decodeSubscriptions, decodeDataMessage } from "./inbound.js";
