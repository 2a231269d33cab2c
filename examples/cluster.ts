// A broker and two nodes of a Zeek-style cluster in one process: discovery, typed events, metrics.
import { once } from "node:events";
import { Broker, ClusterNode, defineEvent, layoutFromObject, z } from "zeek-zmq";

const broker = new Broker({ listenXsubEndpoint: "tcp://127.0.0.1:0", listenXpubEndpoint: "tcp://127.0.0.1:0" });
const { xsub, xpub } = await broker.start();

const layout = layoutFromObject(
  { nodes: [{ name: "manager", type: "manager", host: "127.0.0.1" }, { name: "worker-1", type: "worker", host: "127.0.0.1" }] },
  "example",
);
// The names say which local socket connects: the node's XPUB goes to the broker's XSUB.
const options = { connectXpubEndpoint: xsub, connectXsubEndpoint: xpub };
const logging = { dir: process.env.TMPDIR ?? "/tmp" }; // cluster.log goes here (no logger in this layout)
const manager = new ClusterNode({ name: "manager", layout, options, logging });
const worker = new ClusterNode({ name: "worker-1", layout, options, logging });

const stats = defineEvent("Demo::stats", [z.string, z.count], ["node", "conns"]);
// Typed events as an async iterable (a handler works too: manager.on(stats, (node, conns) => ...)).
const got = (async () => {
  for await (const [node, conns] of manager.events(stats)) {
    console.log(`manager got Demo::stats from ${node}: ${conns} conns`);
    break; // leaving the loop ends the iteration
  }
})();
const up = new Promise<void>((resolve) => worker.on("node_up", (name, id) => (console.log(`worker-1 sees node_up ${name} (${id.slice(0, 15)}...)`), resolve())));

await manager.start({ timeoutMs: 10_000 }); // fails, naming the endpoints, without a broker
await worker.start({ timeoutMs: 10_000 }); // resolves once ready to publish
await up;
worker.publish("zeek.cluster.manager", stats, ["worker-1", 42n]); // Zeek's manager topic
await got;

// A burst that must not lose events: publish() returns false at xpub_sndhwm; retry on "drain".
const tick = defineEvent("Demo::tick", [z.count], ["n"]);
const burst = 10_000;
let ticks = 0;
const all = new Promise<void>((resolve) => manager.on(tick, () => void (++ticks === burst && resolve())));
for (let i = 0; i < burst;) {
  if (worker.publish("zeek.cluster.manager", tick, [BigInt(i)])) i++;
  else await once(worker, "drain");
}
await all;
console.log(`manager got all ${ticks} Demo::tick events of the burst`);
console.log(manager.registry.render().split("\n").find((l) => l.startsWith("zeek_cluster_core_incoming_events_total")));
await Promise.all([worker.close(), manager.close()]);
await broker.close();
