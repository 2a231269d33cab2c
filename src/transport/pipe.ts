// A pipe is libzmq's per-peer message queue pair: outbound messages wait here until the
// connection encodes them (send HWM), inbound ones until the application takes them (receive
// HWM). Queues are growable ring buffers, bounded by the HWM checks of their users.
import type { Connection } from "./connection.js";
import type { PackedMessage } from "./packed.js";
import { type OutboundPipe, type OutgoingMessage, type PendingSubscriptions, Queue } from "./queue.js";

export { type FrameLike, type Message, type MessageLike, type OutgoingMessage, PEER_HAS, type PendingSubscriptions, Queue, isFrames, toOutgoing, WANT } from "./queue.js";

/** One peer (or, for a connect endpoint without `immediate`, one endpoint across reconnects). */
export class Pipe implements OutboundPipe {
  readonly out = new Queue<OutgoingMessage>();
  readonly in = new Queue<PackedMessage>();
  /** The live connection, or null while (re)connecting. */
  conn: Connection<Pipe> | null = null;
  /** Set when a send found this pipe full; cleared (with a "drain" event) once it has room. */
  blocked = false;
  /** Queued for the socket's next flush turn. */
  dirty = false;
  /** The peer connected to us (it was accepted), as opposed to an endpoint we connected to. */
  accepted = false;
  /** XSUB: subscription changes waiting for room, written after `out` and `replay` (null = none). */
  subs: PendingSubscriptions | null = null;
  /** XSUB: the sorted subscription set being replayed since the connection (shared, never modified), and the next index. */
  replay: readonly string[] | null = null;
  replayAt = 0;
  /** XSUB: when this pipe started to owe subscription changes or last took some (to find the longest-stalled peer). */
  behindSince = 0;

  constructor(
    readonly sendHwm: number,
    readonly receiveHwm: number,
  ) {}

  /** XSUB: subscription changes owed (replay left plus coalesced changes). */
  get backlog(): number {
    return (this.replay === null ? 0 : this.replay.length - this.replayAt) + (this.subs === null ? 0 : this.subs.size);
  }

  /** libzmq: HWM 0 means no limit. */
  get full(): boolean {
    return this.sendHwm > 0 && this.out.length >= this.sendHwm;
  }

  get inboundFull(): boolean {
    return this.receiveHwm > 0 && this.in.length >= this.receiveHwm;
  }

  /**
   * A paused reader resumes at libzmq's low-water mark (pipe.cpp compute_lwm), not as soon as
   * one message was taken, so a busy reader does not stop and restart the socket per read.
   */
  get inboundLow(): boolean {
    const hwm = this.receiveHwm;
    return hwm <= 0 || this.in.length <= (hwm > 2048 ? hwm - 1024 : (hwm + 1) >> 1);
  }
}
