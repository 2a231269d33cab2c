// What a WebSocket client sends, decoded as Zeek 8.2 decodes it: first the subscription array,
// then Broker JSON v1 data messages whose data is a Zeek event envelope. Total on any input:
// every outcome is a value or one of Zeek's error contexts (protocol.ts ERROR), never a throw.
import { compareData, type Data } from "../codec/broker/data.js";
import { eventFromData, type ZeekEvent } from "../codec/broker/event.js";
import { jsonToData } from "../codec/broker/json.js";
import { parseJson, type Json } from "../codec/broker/json-text.js";
import type { EventDecl } from "../codec/broker/typed.js";
import { DecodeError } from "../errors.js";
import { ERROR } from "./protocol.js";

const FORMAT = "websocket-json-v1";

/** A client message Zeek answers with an error: the error's code and context, and why (for the host's log). */
export interface Refusal {
  readonly ok: false;
  readonly error: readonly [code: string, context: string];
  readonly detail: string;
  /** The message broke a zeek-zmq bound (max_subscriptions): the client is closed, not just told. */
  readonly limit?: boolean;
}

export interface Subscriptions {
  readonly ok: true;
  /** The topics as the client sent them (bytes), in order, duplicates kept. */
  readonly topics: readonly Buffer[];
}

export interface ClientEvent {
  readonly ok: true;
  readonly topic: Buffer;
  readonly event: ZeekEvent;
  /** The host's declaration, when it has one; `args` are then the typed arguments. */
  readonly decl: EventDecl<readonly unknown[]> | undefined;
  readonly args: readonly unknown[] | undefined;
}

function refuse(error: readonly [string, string], detail: string): Refusal {
  return { ok: false, error, detail };
}

function asBuffer(input: Uint8Array | string): Buffer {
  if (typeof input === "string") return Buffer.from(input, "utf8");
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/**
 * The first message: a JSON array of topic strings. Anything that is not an array (not JSON at
 * all included) is `subscriptions not an array`; a non-string element `individual subscription
 * not a string`. More than `max` topics is refused too (a zeek-zmq bound).
 */
export function decodeSubscriptions(input: Uint8Array | string, max = Infinity): Subscriptions | Refusal {
  let doc: Json;
  try {
    doc = parseJson(asBuffer(input), FORMAT);
  } catch (e) {
    return refuse(ERROR.notAnArray, e instanceof Error ? e.message : String(e));
  }
  if (doc.k !== "array") return refuse(ERROR.notAnArray, `the subscription message is a JSON ${doc.k}, not an array`);
  if (doc.v.length > max) return { ...refuse(ERROR.tooManySubscriptions, `${doc.v.length} subscriptions, more than max_subscriptions (${max})`), limit: true };
  const topics: Buffer[] = [];
  for (const t of doc.v) {
    if (t.k !== "string") return refuse(ERROR.notAString, `a subscription is a JSON ${t.k}, not a string`);
    // Zeek copies each topic as a C string: it ends at the first NUL.
    const nul = t.v.indexOf(0);
    topics.push(nul < 0 ? t.v : t.v.subarray(0, nul));
  }
  return { ok: true, topics };
}

/** Broker's reserved topic, which it reports when a message has no topic. */
const RESERVED_TOPIC = "<$>";

/**
 * A data message after the ack: `{"topic": T, "@data-type": "vector", "data": [...]}` (the
 * `type` field is not checked, as Broker does not). `lookup` finds the host's declaration of
 * an event; without one the event is refused with `unknown === "reject"`, else kept as it is.
 */
export function decodeDataMessage(
  input: Uint8Array | string,
  lookup: (name: string) => EventDecl<readonly unknown[]> | undefined,
  unknown: "forward" | "reject",
): ClientEvent | Refusal {
  let doc: Json;
  let data: Data;
  try {
    doc = parseJson(asBuffer(input), FORMAT);
    data = jsonToData(doc);
  } catch (e) {
    return refuse(ERROR.badObject, e instanceof Error ? e.message : String(e));
  }
  let topic: Buffer | undefined;
  // A JSON object's first "topic" counts, as in CAF's json_object::value().
  for (const [k, v] of (doc as Extract<Json, { k: "object" }>).v)
    if (k === "topic") {
      if (v.k === "string") topic = v.v;
      break;
    }
  if (topic === undefined || topic.toString("latin1") === RESERVED_TOPIC) return refuse(ERROR.noTopic, "the message has no string field \"topic\"");
  let event: ZeekEvent;
  try {
    event = eventFromData(data, FORMAT);
  } catch (e) {
    return refuse(ERROR.badEvent, e instanceof Error ? e.message : String(e));
  }
  const decl = lookup(event.name);
  if (decl === undefined) {
    if (unknown === "reject") return refuse(ERROR.badEvent, `Failed to lookup handler for '${event.name}'`);
    // Forwarded as it is: sets and tables must hold what Broker's containers can (no duplicates).
    const dup = duplicateIn(event.args);
    if (dup !== undefined) return refuse(ERROR.badObject, `duplicate ${dup} element`);
    return { ok: true, topic, event, decl: undefined, args: undefined };
  }
  try {
    return { ok: true, topic, event, decl, args: decl.fromEvent(event) };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return refuse(ERROR.badEvent, `Unserialize error for event '${event.name}': ${e.message}`);
  }
}

/** The container type holding a duplicate set element or table key, if any. */
function duplicateIn(values: readonly Data[]): "set" | "table" | undefined {
  for (const d of values) {
    if (d.type === "vector") {
      const r = duplicateIn(d.value);
      if (r) return r;
    } else if (d.type === "set") {
      if (hasDuplicate(d.value)) return "set";
      const r = duplicateIn(d.value);
      if (r) return r;
    } else if (d.type === "table") {
      if (hasDuplicate(d.value.map((e) => e[0]))) return "table";
      for (const [k, v] of d.value) {
        const r = duplicateIn([k, v]);
        if (r) return r;
      }
    }
  }
  return undefined;
}

function hasDuplicate(xs: readonly Data[]): boolean {
  if (xs.length < 2) return false;
  const s = [...xs].sort(compareData);
  for (let i = 1; i < s.length; i++) if (compareData(s[i - 1]!, s[i]!) === 0) return true;
  return false;
}
