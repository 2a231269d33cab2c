// PUB: an XPUB that keeps subscriptions to itself (libzmq pub_t): nothing is ever received.
import type { PackedMessage } from "./packed.js";
import type { Pipe } from "./pipe.js";
import type { SocketType } from "./types.js";
import { XPub, type XPubOptions } from "./xpub.js";

export type PubOptions = Omit<XPubOptions, "verbose" | "verboser">;

export class Pub extends XPub {
  override readonly type: SocketType = "PUB";
  constructor(options: PubOptions = {}) {
    super(options);
  }

  /** @internal */
  protected override notify(_pipe: Pipe, _msg: PackedMessage): void {}
  /** @internal */
  protected override upstream(_pipe: Pipe, _msg: PackedMessage): void {}
}
