// SUB: an XSUB with subscribe()/unsubscribe() and receive-side prefix filtering (libzmq sub_t).
import type { PackedMessage } from "./packed.js";
import type { MessageLike, Pipe } from "./pipe.js";
import { SubscriptionTrie } from "./trie.js";
import type { SocketType } from "./types.js";
import { XSub } from "./xsub.js";

export class Sub extends XSub {
  override readonly type: SocketType = "SUB";
  private readonly filter = new SubscriptionTrie<true>();

  subscribe(topic: Uint8Array | string = ""): void {
    this.change(1, topic);
  }

  unsubscribe(topic: Uint8Array | string = ""): void {
    this.change(0, topic);
  }

  /** SUB sockets do not send data; use subscribe()/unsubscribe(). */
  override send(_msg: MessageLike): boolean {
    throw new TypeError("SUB sockets cannot send; use subscribe()/unsubscribe() (or an XSUB socket)");
  }

  private change(op: 0 | 1, topic: Uint8Array | string): void {
    const t = typeof topic === "string" ? Buffer.from(topic) : topic;
    const body = Buffer.allocUnsafe(1 + t.length);
    body[0] = op;
    body.set(t, 1);
    super.send([body]);
  }

  /** @internal */
  protected override onSubscriptionChange(topic: string, subscribe: boolean, edge: boolean): void {
    if (!edge) return;
    const t = Buffer.from(topic, "latin1");
    if (subscribe) this.filter.add(t, true);
    else this.filter.remove(t, true);
  }

  /** @internal */
  protected override pipeMessage(pipe: Pipe, msg: PackedMessage): void {
    if (this.filter.matches(msg.frame(0))) this.queueInbound(pipe, msg);
  }
}
