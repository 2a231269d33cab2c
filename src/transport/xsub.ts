// XSUB (libzmq xsub_t): everything from publishers is delivered; 01/00+topic written by the
// application are forwarded upstream with reference counting, and the subscription set is
// replayed (sorted, unique, as SUBSCRIBE commands) to every newly connected publisher (wire.md §1.8).
import { PackedMessage } from "./packed.js";
import type { OutgoingMessage, Pipe } from "./pipe.js";
import { ZmtpSocket } from "./socket.js";
import type { SocketType } from "./types.js";

export class XSub extends ZmtpSocket {
  readonly type: SocketType = "XSUB";
  /** Topic (latin1) -> reference count. */
  protected readonly subscriptions = new Map<string, number>();

  /**
   * Sends a message upstream to every publisher. A single frame 01+topic subscribes (always
   * forwarded), 00+topic unsubscribes (forwarded when the count reaches 0; unknown topics are
   * swallowed). Other data goes to every publisher with room. Always returns true (XSUB drops, as libzmq).
   */
  send(msg: OutgoingMessage): boolean {
    const f = msg instanceof PackedMessage ? (msg.frameCount === 1 ? msg.frame(0) : undefined) : msg.length === 1 ? msg[0] : undefined;
    if (f !== undefined && f.length > 0 && f[0]! <= 1) {
      const key = Buffer.from(f.buffer, f.byteOffset + 1, f.length - 1).toString("latin1");
      const count = this.subscriptions.get(key) ?? 0;
      if (f[0] === 1) {
        this.subscriptions.set(key, count + 1);
        this.onSubscriptionChange(key, true, count === 0);
      } else {
        if (count === 0) return true;
        if (count > 1) {
          this.subscriptions.set(key, count - 1);
          return true;
        }
        this.subscriptions.delete(key);
        this.onSubscriptionChange(key, false, true);
      }
      // Disconnected pipes get the whole set replayed when they connect.
      for (const pipe of this.pipes) if (pipe.conn !== null) this.enqueue(pipe, msg);
      return true;
    }
    for (const pipe of this.pipes) if (!pipe.full) this.enqueue(pipe, msg);
    return true;
  }

  /** Hook for SUB's local filter. */
  protected onSubscriptionChange(_topic: string, _subscribe: boolean, _edge: boolean): void {}

  protected pipeAttached(_pipe: Pipe): void {}
  protected pipeDetached(_pipe: Pipe): void {}

  protected override pipeConnected(pipe: Pipe): void {
    const conn = pipe.conn;
    if (conn === null) return;
    for (const key of [...this.subscriptions.keys()].sort()) conn.writeSubscription(true, Buffer.from(key, "latin1"));
  }
}
