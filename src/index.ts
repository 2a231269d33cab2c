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
export { defineEvent, eventFromSignature, readEventName, EventDecl, type EncodeEventOptions } from "./codec/broker/typed.js";
export { toData, fromData } from "./codec/broker/convert.js";

// Zeek log batches.
export * from "./codec/zeek-log/index.js";
export { AsciiLogFormat, formatAsciiLogRecord } from "./logging/format/ascii.js";
export { formatJsonLogRecord } from "./logging/format/json.js";
