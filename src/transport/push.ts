// PUSH (libzmq push_t / lb_t): each message goes whole to the next peer with room, round-robin.
import { type MessageLike, type Pipe, toOutgoing } from "./pipe.js";
import { ZmtpSocket } from "./socket.js";
import type { SocketType } from "./types.js";

export class Push extends ZmtpSocket {
  readonly type: SocketType = "PUSH";
  private next = 0;
  private waiting = false;

  /**
   * Queues `msg` on the next peer (round-robin) that is below its HWM. Without `immediate`,
   * connect endpoints that are down take part (messages wait there). Returns false when every
   * peer is full or there is none (would block): retry after "drain" or count a drop.
   * Frames are Buffers/Uint8Arrays, queued by reference (no copy) until written: do not modify
   * them after send(); or strings, sent as UTF-8: `send(["Conn::LOG", batch])`.
   */
  send(message: MessageLike): boolean {
    const msg = toOutgoing(message);
    const pipes = this.pipes;
    const n = pipes.length;
    for (let i = 0; i < n; i++) {
      const idx = (this.next + i) % n;
      const pipe = pipes[idx]!;
      if (!pipe.full) {
        this.enqueue(pipe, msg);
        this.next = idx + 1;
        return true;
      }
    }
    for (const pipe of pipes) this.blocked(pipe);
    this.waiting = true;
    return false;
  }

  /** @internal */
  protected pipeAttached(_pipe: Pipe): void {
    if (this.waiting) {
      this.waiting = false;
      this.emit("drain");
    }
  }

  /** @internal */
  protected pipeDetached(_pipe: Pipe): void {}
  /** PUSH never receives; anything a peer sends is dropped. @internal */
  protected override pipeMessage(): void {}
}
