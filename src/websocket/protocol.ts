// The texts of Zeek 8.2's WebSocket API v1 (docs/websocket.md, wire.md §3.8), byte for byte as
// Zeek writes them: compact JSON built with Broker's field writer, whose string escaping covers
// only \\ \b \f \n \r \t \v and '"' (other bytes pass raw), and data messages rendered with
// Broker's JSON v1 encoder (reals as %f, bare inf/nan, millisecond timestamps).
import type { Data } from "../codec/broker/data.js";
import { jsonDataText, quoteBytes } from "../codec/broker/json.js";

/** The one URI the API serves. */
export const API_PATH = "/v1/messages/json";

/** Error codes (Broker's `ec` names) and contexts Zeek sends. */
export const ERROR = Object.freeze({
  invalidUri: ["invalid_uri", "Invalid URI - use /v1/messages/json"],
  invalidApplicationName: ["invalid_application_name", "Invalid X-Application-Name"],
  notAnArray: ["deserialization_failed", "subscriptions not an array"],
  notAString: ["deserialization_failed", "individual subscription not a string"],
  badObject: ["deserialization_failed", "failed to decode JSON object"],
  noTopic: ["deserialization_failed", "no topic in top-level JSON object"],
  badEvent: ["deserialization_failed", "failed to create Zeek event"],
  /** zeek-zmq's bound (max_subscriptions), not Zeek's: the client is closed with 1008 after it. */
  tooManySubscriptions: ["deserialization_failed", "too many subscriptions"],
} as const satisfies Record<string, readonly [string, string]>);

/** WebSocket close codes and the reasons Zeek (IXWebSocket) gives with them. */
export const CLOSE = Object.freeze({
  normal: 1000,
  goingAway: 1001,
  noStatus: 1005,
  abnormal: 1006,
  policy: 1008,
  tooBig: 1009,
  internalError: 1011,
});

/** What IXWebSocket reports for a close without a status code, and for a connection lost without a close. */
export const CLOSE_REASON_NO_STATUS = "No status code";
export const CLOSE_REASON_ABNORMAL = "Abnormal closure";
export const CLOSE_REASON_PING_TIMEOUT = "Ping timeout";
export const CLOSE_REASON_TERMINATING = "Terminating";
/** Zeek's reason when a client's subscriptions cannot be made. */
export const CLOSE_REASON_SUBSCRIBE_FAILED = "Could not subscribe. Something bad happened!";

/** Broker's quoted string: a latin1 "byte string" (one char per byte), escapes as Broker writes them. */
function quoted(s: string | Uint8Array): string {
  return quoteBytes(typeof s === "string" ? Buffer.from(s, "utf8") : s, "wire");
}

/** `{"type":"error","code":C,"context":X}`. */
export function errorText(code: string, context: string): Buffer {
  return Buffer.from(`{"type":"error","code":${quoted(code)},"context":${quoted(context)}}`, "latin1");
}

/** `{"type":"ack","endpoint":E,"version":V}`. */
export function ackText(endpoint: string, version: string): Buffer {
  return Buffer.from(`{"type":"ack","endpoint":${quoted(endpoint)},"version":${quoted(version)}}`, "latin1");
}

/** `{"type":"data-message","topic":T,"@data-type":"vector","data":[...]}`: an event envelope as Zeek sends it. */
export function dataMessage(topic: Uint8Array, envelope: Data): Buffer {
  // The envelope renders as {"@data-type":...}: embed it without its opening brace.
  return Buffer.from(`{"type":"data-message","topic":${quoted(topic)},${jsonDataText(envelope, "wire").slice(1)}`, "latin1");
}

/** Zeek's check of X-Application-Name: ASCII letters, digits and / _ - . = : * @ (an empty name passes). */
export function validApplicationName(name: string): boolean {
  return /^[A-Za-z0-9/_\-.=:*@]*$/.test(name);
}

/**
 * The reason Zeek reports in websocket_client_lost for a close the client initiated:
 * IXWebSocket fills in texts for a close without status and for a lost connection.
 */
export function closeReasonFor(code: number, reason: string): string {
  if (reason !== "") return reason;
  if (code === CLOSE.noStatus) return CLOSE_REASON_NO_STATUS;
  if (code === CLOSE.abnormal) return CLOSE_REASON_ABNORMAL;
  return "";
}
