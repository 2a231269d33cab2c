// A node whose XSUB link to the broker drops while its XPUB link stays (the broker timed out only
// that connection, or a middlebox cut it): the broker forgot the node's subscriptions, so its
// peers raise node_down for it and greet it again. The node must drop them too and meet them
// again; a node that kept them would answer "sends ZeroMQ::hello twice" and stay half-known.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, connect, type Server, type Socket } from "node:net";
import { test } from "node:test";
import { Broker } from "../../src/cluster/broker.js";
import { layoutFromObject } from "../../src/cluster/layout.js";
import { ClusterNode } from "../../src/cluster/node.js";

/** A TCP forwarder to `port` whose current connections can be cut (new ones are forwarded again). */
async function cuttableLink(port: number): Promise<{ endpoint: string; cut(): void; close(): Promise<void> }> {
  const open = new Set<Socket>();
  const server: Server = createServer((a) => {
    const b = connect(port, "127.0.0.1");
    for (const [x, y] of [[a, b], [b, a]] as const) {
      open.add(x);
      x.pipe(y);
      x.on("error", () => y.destroy());
      x.on("close", () => {
        open.delete(x);
        y.destroy();
      });
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    endpoint: `tcp://127.0.0.1:${(server.address() as { port: number }).port}`,
    cut: () => open.forEach((s) => s.destroy()),
    close: () => {
      open.forEach((s) => s.destroy());
      return new Promise((r) => server.close(() => r()));
    },
  };
}

function next(node: ClusterNode, event: "node_up" | "node_down", name: string): Promise<string> {
  return new Promise((resolve) => {
    const f = (n: string, id: string) => {
      if (n !== name) return;
      node.off(event, f);
      resolve(id);
    };
    node.on(event, f);
  });
}

test("xsub link - only the XSUB link drops: both sides see node_down, then node_up again, with no hello twice", { timeout: 30_000 }, async (t) => {
  const broker = new Broker({ listenXsubEndpoint: "tcp://127.0.0.1:0", listenXpubEndpoint: "tcp://127.0.0.1:0" });
  const ep = await broker.start();
  t.after(() => broker.close());
  const link = await cuttableLink(Number(new URL(ep.xpub.replace("tcp:", "http:")).port));
  t.after(() => link.close());
  const layout = layoutFromObject({ nodes: { manager: { type: "manager" }, "worker-1": { type: "worker" } } }, "test layout");
  const warnings: string[] = [];
  const node = (name: string, xsub: string) => {
    const n = new ClusterNode({ name, layout, options: { connectXpubEndpoint: ep.xsub, connectXsubEndpoint: xsub }, logging: { consumer: false } });
    n.on("reporter_warning", (msg) => void warnings.push(`${name}: ${msg}`));
    return n;
  };
  const manager = node("manager", ep.xpub);
  const worker = node("worker-1", link.endpoint);
  t.after(() => Promise.all([worker.close(), manager.close()]));
  const firstUp = [next(manager, "node_up", "worker-1"), next(worker, "node_up", "manager")];
  await Promise.all([manager.start(), worker.start()]);
  const [workerId, managerId] = await Promise.all(firstUp);

  const down = [next(manager, "node_down", "worker-1"), next(worker, "node_down", "manager")];
  const upAgain = [next(manager, "node_up", "worker-1"), next(worker, "node_up", "manager")];
  link.cut();
  assert.deepEqual(await Promise.all(down), [workerId, managerId]);
  assert.deepEqual(await Promise.all(upAgain), [workerId, managerId]);
  assert.deepEqual(warnings.filter((w) => /twice|never said goodbye/.test(w)), []);
});
