// A node's one publish path: typed (EventDecl + args) or self-describing events framed straight
// into a wire image and sent on the XPUB; a drop at xpub_sndhwm is counted and warned once.
import { FORMAT as BIN_FORMAT } from "../codec/broker/bin.js";
import { writeEvent, type ZeekEvent } from "../codec/broker/event.js";
import { encodeJsonEvent } from "../codec/broker/json.js";
import type { EventDecl } from "../codec/broker/typed.js";
import type { ClusterTelemetry, ZeroMqMetrics } from "../telemetry/zeek-metrics.js";
import type { XPub } from "../transport/index.js";
import { EventFramer } from "./event-framer.js";
import type { EventFormat } from "./node-types.js";

/** @internal */
export class Publisher {
  /** Builds outgoing messages: topic, node id, format and payload frames as one wire image. */
  private readonly framer: EventFramer;
  private warnedDrop = false;

  constructor(
    idFrame: Buffer,
    private readonly format: EventFormat,
    private readonly xpub: XPub,
    private readonly metrics: ZeroMqMetrics,
    private readonly telemetry: ClusterTelemetry,
    private readonly warn: (m: string) => void,
  ) {
    this.framer = new EventFramer(idFrame, Buffer.from(format, "latin1"));
  }

  /** A typed event (`decl` with its `args`) or, without `decl`, a self-describing one. False when dropped. */
  send(topic: string, decl: EventDecl<readonly unknown[]> | undefined, payload: readonly unknown[] | ZeekEvent): boolean {
    const f = this.framer;
    f.begin(topic);
    try {
      if (decl === undefined) {
        if (this.format === BIN_FORMAT) writeEvent(f.w, payload as ZeekEvent);
        else f.w.bytes(encodeJsonEvent(payload as ZeekEvent));
      } else if (this.format === BIN_FORMAT) decl.write(f.w, payload as readonly unknown[]);
      else f.w.bytes(encodeJsonEvent(decl.toEvent(payload as readonly unknown[])));
    } catch (e) {
      f.abort();
      throw e;
    }
    if (!this.xpub.send(f.end())) {
      this.metrics.xpubDrops.value++;
      if (!this.warnedDrop) {
        this.warnedDrop = true;
        this.warn("xpub: warn: dropped a message due to hwm (xpub_sndhwm); further drops are only counted in zeek_cluster_zeromq_xpub_drops_total");
      }
      return false;
    }
    this.telemetry.onOutgoingEvent(topic, decl?.name ?? (payload as ZeekEvent).name);
    return true;
  }
}
