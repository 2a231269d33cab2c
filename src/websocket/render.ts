// Events from the cluster as WebSocket data messages. Every client is its own backend, so an
// event fanned out to N clients arrives N times with the same bytes: the server renders it once
// and the other clients reuse the text (a bounded map keyed by format, topic and payload).
import { decodeData, FORMAT as BIN_FORMAT } from "../codec/broker/bin.js";
import type { Data } from "../codec/broker/data.js";
import { eventFromData } from "../codec/broker/event.js";
import { decodeJsonData, FORMAT as JSON_FORMAT } from "../codec/broker/json.js";
import { DecodeError } from "../errors.js";
import type { PackedMessage } from "../transport/index.js";
import { dataMessage } from "./protocol.js";

export interface Rendered {
  /** The data message, as Zeek's bytes. */
  readonly text: Buffer;
  readonly topic: string;
  /** The event's name (for VERBOSE telemetry). */
  readonly name: string;
}

const BIN_FRAME = Buffer.from(BIN_FORMAT, "latin1");
const JSON_FRAME = Buffer.from(JSON_FORMAT, "latin1");
/** Payloads up to this size are cached (the key is a string of their bytes). */
const CACHE_PAYLOAD_MAX = 4096;
const CACHE_ENTRIES = 2048;

export class EventRenderer {
  private readonly cache = new Map<string, Rendered>();

  /** The data message of a 4-part message; DecodeError when its payload is no event in a known format. */
  render(msg: PackedMessage): Rendered {
    const s = msg.spans;
    const topicLen = s[1]! - s[0]!;
    const payloadLen = s[7]! - s[6]!;
    const bin = msg.frameEquals(2, BIN_FRAME);
    let key: string | undefined;
    if (payloadLen <= CACHE_PAYLOAD_MAX && topicLen <= 1024) {
      const b = msg.buf;
      key = (bin ? "b" : "j") + b.toString("latin1", s[0]!, s[1]!) + "\0" + b.toString("latin1", s[6]!, s[7]!);
      const hit = this.cache.get(key);
      if (hit !== undefined) return hit;
    }
    let d: Data;
    const payload = msg.frame(3);
    if (bin) d = decodeData(payload);
    else if (msg.frameEquals(2, JSON_FRAME)) d = decodeJsonData(payload);
    else throw new DecodeError("message", "invalid", 0, `unknown event format ${JSON.stringify(msg.frame(2).toString("latin1").slice(0, 40))}`);
    const event = eventFromData(d, bin ? BIN_FORMAT : JSON_FORMAT);
    const topic = msg.frame(0);
    const r: Rendered = { text: dataMessage(topic, d), topic: topic.toString("utf8"), name: event.name };
    if (key !== undefined) {
      if (this.cache.size >= CACHE_ENTRIES) this.cache.clear();
      this.cache.set(key, r);
    }
    return r;
  }
}
