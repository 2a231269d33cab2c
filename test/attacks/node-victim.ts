// The node under attack in the node attack tests: a `zeek-zmq node --script` module (not a test
// file). It subscribes to the good and the attack topics and prints, on stdout:
//   subscribed                 once its subscriptions are at the broker
//   good N                     for each Attack::good(n) (the well-behaved publisher's events)
// Attack::slow(s) handlers take 20 ms each (an async handler), so a flood of them queues up.
import type { ClusterNode, NodeScriptContext } from "../../src/index.js";
import { defineEvent } from "../../src/codec/broker/typed.js";
import { z } from "../../src/codec/broker/types.js";

export const GOOD = defineEvent("Attack::good", [z.count], ["n"]);
export const SLOW = defineEvent("Attack::slow", [z.string], ["s"]);
export const GOOD_TOPIC = "zeek.good.victim";
export const ATTACK_PREFIX = "zeek.attack.";

export default (node: ClusterNode, ctx: NodeScriptContext): void => {
  node.on(GOOD, (n) => void process.stdout.write(`good ${n}\n`));
  // A slow async handler (20 ms a call) is what the onloop attack floods: the delay is the load, not a wait.
  node.on(SLOW, () => new Promise((r) => setTimeout(r, 20)));
  void ctx.ready.then(async () => {
    node.subscribe(GOOD_TOPIC);
    node.subscribe(ATTACK_PREFIX);
    await node.ready();
    process.stdout.write("subscribed\n");
  });
};
