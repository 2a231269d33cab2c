// The inbound half of a node, without sockets: typed handler registrations, the decode caches of
// the hot path (last topic, last event), and the handling of one received 4-part message. The
// node feeds it messages from its onloop queue; tests feed it messages built in memory.
import { FORMAT as BIN_FORMAT } from "../codec/broker/bin.js";
import { decodeEvent, type ZeekEvent } from "../codec/broker/event.js";
import { decodeJsonEvent, FORMAT as JSON_FORMAT } from "../codec/broker/json.js";
import { checkEvent, readEventName, type EventDecl } from "../codec/broker/typed.js";
import { DecodeError } from "../errors.js";
import type { PackedMessage } from "../transport/index.js";
import type { AnyEventHandler, EventFormat } from "./node-types.js";

type Handler = (...args: never[]) => unknown;
interface Registration {
  readonly decl: EventDecl<readonly unknown[]>;
  /** Replaced, never changed in place: a handler that removes itself (once) leaves a running loop intact. */
  handlers: readonly Handler[];
}

const BIN_FORMAT_FRAME = Buffer.from(BIN_FORMAT, "latin1");

/** What the dispatcher reports to its node. */
export interface DispatchHooks {
  /** A decoded event (for the per-topic/per-event metrics). */
  incoming(topic: string, name: string): void;
  /** An undecodable message; `sender` is the raw sender frame (a peer's string). */
  undecodable(topic: string, format: string, sender: Buffer, error: DecodeError): void;
  /** A handler threw or rejected; `name` is the event's name or the topic. */
  handlerFailed(name: string, error: unknown): void;
  /**
   * Gives discovery the events it handles (Zeek's hellos, names starting with "Cluster"); true if
   * it took the event. Absent without discovery.
   */
  discovery?: (name: string, format: string, payload: Buffer, event: ZeekEvent | undefined, msg: PackedMessage) => boolean;
}

/** @internal The node's handler table and inbound hot path; see ClusterNode.on/off/events. */
export class EventDispatcher {
  private readonly registrations = new Map<string, Registration>();
  private anyHandlers: readonly AnyEventHandler[] = [];
  private lastTopicFrame: Buffer | undefined;
  private lastTopic = "";
  /** The registration of the last binary event dispatched (never a discovery event). */
  private lastRegistration: Registration | undefined;

  constructor(private readonly hooks: DispatchHooks) {}

  /** Adds `handler` for `decl`; a second declaration of one name must have the same signature. */
  add(decl: EventDecl<readonly unknown[]>, handler: Handler): void {
    let reg = this.registrations.get(decl.name);
    if (reg === undefined) this.registrations.set(decl.name, (reg = { decl, handlers: [] }));
    else if (reg.decl.signature !== decl.signature) throw new Error(`${decl.name} is already handled with signature ${reg.decl.signature}`);
    reg.handlers = [...reg.handlers, handler];
  }

  /** Removes one registration of `handler` for `decl`; false if it was not registered. */
  remove(decl: EventDecl<readonly unknown[]>, handler: Handler): boolean {
    const reg = this.registrations.get(decl.name);
    const i = reg?.handlers.lastIndexOf(handler) ?? -1;
    if (reg === undefined || i < 0) return false;
    reg.handlers = reg.handlers.filter((_, j) => j !== i);
    if (reg.handlers.length === 0) {
      this.registrations.delete(decl.name);
      if (this.lastRegistration === reg) this.lastRegistration = undefined;
    }
    return true;
  }

  /** Number of handlers for `name`. */
  handlerCount(name: string): number {
    return this.registrations.get(name)?.handlers.length ?? 0;
  }

  addAny(handler: AnyEventHandler): void {
    this.anyHandlers = [...this.anyHandlers, handler];
  }

  removeAny(handler: AnyEventHandler): boolean {
    const i = this.anyHandlers.lastIndexOf(handler);
    if (i >= 0) this.anyHandlers = this.anyHandlers.filter((_, j) => j !== i);
    return i >= 0;
  }

  /** Decodes and runs the handlers of one message; returns a promise only if a handler did. */
  dispatch(msg: PackedMessage): Promise<unknown> | undefined {
    const topic = this.topicText(msg);
    const isBin = msg.frameEquals(2, BIN_FORMAT_FRAME);
    let format = BIN_FORMAT;
    try {
      // A run of one handled event (the common case) is decoded without looking up its name.
      const last = this.lastRegistration;
      if (isBin && last !== undefined && this.anyHandlers.length === 0) {
        // The payload (frame 3) spans spans[6]..spans[7] of the packed message's buffer.
        const args = last.decl.tryDecode(msg.buf, msg.spans[6], msg.spans[7]);
        if (args !== undefined) {
          this.hooks.incoming(topic, last.decl.name);
          return this.runHandlers(last, args);
        }
      }
      let name: string;
      let event: ZeekEvent | undefined;
      const payload = msg.frame(3);
      if (!isBin) format = msg.frame(2).toString("latin1");
      if (format === BIN_FORMAT) name = readEventName(payload);
      else if (format === JSON_FORMAT) name = (event = decodeJsonEvent(payload)).name;
      else throw new DecodeError("message", "invalid", 0, `unknown event format ${JSON.stringify(format.slice(0, 40))}`);
      const reg = this.registrations.get(name);
      let hello = false;
      const discovery = this.hooks.discovery;
      if (discovery && name.charCodeAt(0) === 0x43 /* C */ && (hello = discovery(name, format, payload, event, msg))) this.lastRegistration = undefined;
      else if (isBin) this.lastRegistration = reg;
      const args = reg ? (event ? reg.decl.fromEvent(event) : reg.decl.decode(payload)) : undefined;
      if (this.anyHandlers.length > 0) event ??= decodeEvent(payload);
      // Nobody decoded it: a malformed payload is still an error, handler or not (no values built).
      else if (reg === undefined && event === undefined && !hello) checkEvent(payload);
      this.hooks.incoming(topic, name); // decoded events only
      let pending = reg ? this.runHandlers(reg, args!) : undefined;
      if (event !== undefined && this.anyHandlers.length > 0) {
        for (const h of this.anyHandlers) {
          const r = this.call(name, h, [topic, event, format as EventFormat]);
          if (r !== undefined) pending = pending ? Promise.all([pending, r]) : r;
        }
      }
      return pending;
    } catch (e) {
      if (e instanceof DecodeError) this.hooks.undecodable(topic, format, msg.frame(1), e);
      else this.hooks.handlerFailed(topic, e);
      return undefined;
    }
  }

  /** The declaration registered under `name`, if any (the WebSocket API types client events by it). */
  declaration(name: string): EventDecl<readonly unknown[]> | undefined {
    return this.registrations.get(name)?.decl;
  }

  /** Runs the handlers of `decl` with `args`: events the node raises itself. */
  raise(decl: EventDecl<readonly unknown[]>, args: readonly unknown[]): void {
    const reg = this.registrations.get(decl.name);
    if (reg) void this.runHandlers(reg, args);
  }

  private runHandlers(reg: Registration, args: readonly unknown[]): Promise<unknown> | undefined {
    const hs = reg.handlers;
    if (hs.length === 1) return this.call(reg.decl.name, hs[0]!, args);
    let pending: Promise<unknown>[] | undefined;
    for (let i = 0; i < hs.length; i++) {
      const r = this.call(reg.decl.name, hs[i]!, args);
      if (r !== undefined) (pending ??= []).push(r);
    }
    return pending ? Promise.all(pending) : undefined;
  }

  /** Runs one handler; a throw or rejection is reported and does not stop the others. */
  private call(name: string, h: Handler | AnyEventHandler, args: readonly unknown[]): Promise<unknown> | undefined {
    try {
      const f = h as (...a: readonly unknown[]) => unknown;
      // Spread calls cost more than direct ones on this hot path: common arities are direct.
      const n = args.length;
      const r = n === 1 ? f(args[0]) : n === 2 ? f(args[0], args[1]) : n === 3 ? f(args[0], args[1], args[2]) : n === 4 ? f(args[0], args[1], args[2], args[3]) : f(...args);
      return r instanceof Promise ? r.catch((e: unknown) => this.hooks.handlerFailed(name, e)) : undefined;
    } catch (e) {
      this.hooks.handlerFailed(name, e);
      return undefined;
    }
  }

  /** The topic as text; a run of messages on one topic decodes it once. */
  private topicText(msg: PackedMessage): string {
    if (this.lastTopicFrame !== undefined && msg.frameEquals(0, this.lastTopicFrame)) return this.lastTopic;
    const frame = msg.frame(0);
    this.lastTopicFrame = Buffer.from(frame); // a copy: the frame is a view into a network buffer
    return (this.lastTopic = frame.toString("utf8"));
  }
}
