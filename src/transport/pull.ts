// PULL (libzmq pull_t / fq_t): fair-queues messages from every PUSH peer; receive HWM per peer.
import type { Pipe } from "./pipe.js";
import { ZmtpSocket } from "./socket.js";
import type { SocketType } from "./types.js";

export class Pull extends ZmtpSocket {
  readonly type: SocketType = "PULL";
  /** @internal */
  protected pipeAttached(_pipe: Pipe): void {}
  /** @internal */
  protected pipeDetached(_pipe: Pipe): void {}
}
