// The public API of zeek-zmq.
export { DecodeError, EncodeError, ConfigError, ZeekZmqError, type DecodeErrorCode } from "./errors.js";

// Zeek events: Broker data, broker-bin-v1, broker-json-v1, typed declarations.
export { data, compareData, type Data, type DataType, type PortProtocol } from "./codec/broker/data.js";
export { decodeData, encodeData, FORMAT as BROKER_BIN_V1 } from "./codec/broker/bin.js";
export { decodeEvent, encodeEvent, eventFromData, eventToData, type ZeekEvent, type EventMetadata } from "./codec/broker/event.js";
export {
  FORMAT as BROKER_JSON_V1,
  dataToJsonText,
  dataMessageText,
  decodeJsonData,
  decodeJsonEvent,
  encodeJsonData,
  encodeJsonEvent,
} from "./codec/broker/json.js";
export { z, parseType, parseSignature, typeName, type ZType, type Typed, type JsOf, type PortText, type PatternValue } from "./codec/broker/types.js";
export { defineEvent, eventFromSignature, readEventName, EventDecl, type EncodeEventOptions, type SignatureArgs } from "./codec/broker/typed.js";
export { toData, fromData } from "./codec/broker/convert.js";

// Zeek log batches.
export * from "./codec/zeek-log/index.js";
export { AsciiLogFormat, formatAsciiLogRecord } from "./logging/format/ascii.js";
export { formatJsonLogRecord } from "./logging/format/json.js";

// Cluster: nodes, broker, layouts, options, topics, pools.
export { ClusterNode, ZEROMQ_HELLO, CLUSTER_HELLO, type ClusterNodeConfig, type ClusterNodeEvents, type AnyEventHandler, type EventFormat } from "./cluster/node.js";
export { Broker, type BrokerOptions } from "./cluster/broker.js";
export { startBrokerThread, type BrokerThread } from "./cluster/broker-thread.js";
export {
  loadLayout,
  parseLayout,
  layoutFromObject,
  connectLogEndpoints,
  listenLogEndpoint,
  type ClusterLayout,
  type ClusterNode as ClusterLayoutNode,
  type NodeType,
  type PoolType,
  type LayoutDocument,
  type LayoutNodeEntry,
  type LayoutOptions,
  type LayoutPort,
  type LayoutNodeType,
} from "./cluster/layout.js";
export { resolveOptions, DEFAULT_NODE_OPTIONS, OPTION_SPECS, OptionError, optionSpec, type NodeOptions, type OptionSpec, type OptionSources } from "./cluster/options.js";
export { nodeTopic, nodeidTopic, makeNodeId, ROLE_TOPICS, POOL_TOPICS } from "./cluster/topics.js";
export { Pool } from "./cluster/pools.js";

export type { NodeScript, NodeScriptContext } from "./cluster/node-script.js";

// Zeek's WebSocket API: ClusterNode.listenWebsocket() serves it; these are its options, events and texts.
export {
  WebSocketServer,
  WEBSOCKET_CLIENT_ADDED,
  WEBSOCKET_CLIENT_LOST,
  ENDPOINT_INFO,
  ZEEK_VERSION,
  type EndpointInfo,
  type WebSocketServerOptions,
  type WebSocketTlsOptions,
  type WebSocketServerEvents,
} from "./websocket/index.js";

// Remote logging.
export {
  Log,
  LogStream,
  LogSender,
  LogReceiver,
  LogWriterManager,
  registerLogFormat,
  LOCAL_ORIGIN,
  type LogStreamSpec,
  type LogFilterSpec,
  type LogBatchConsumer,
  type BatchOrigin,
  type ConsumerCloseReport,
  type LogFormat,
  type LogFormatFactory,
} from "./logging/index.js";
export { checkLogEndpoints, logReceiverOptions, logSenderOptions, logWriterLimits, type NodeLoggingConfig } from "./cluster/logging-wiring.js";

// Telemetry.
export { MetricsRegistry } from "./telemetry/registry.js";
export { startMetricsServer, servicesJson, type MetricsServer } from "./telemetry/server.js";
export { zeekRegistry, limitHits } from "./telemetry/zeek-metrics.js";
export { registerProcessMetrics } from "./telemetry/process.js";
export { metricsTargets } from "./cluster/services.js";

// ZMTP sockets.
export { XPub, XSub, Pub, Sub, Push, Pull, SocketClosedError, type SocketOptions, type Message, type MessageLike, type FrameLike } from "./transport/index.js";

// The web console.
export { startConsole, type RunningConsole } from "./console/index.js";
