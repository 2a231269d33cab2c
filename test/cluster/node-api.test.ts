// The library API of ClusterNode against a real broker on free ports: events() as async
// iteration, off/once, `await using`, start({ timeoutMs, signal }), the layout check, and the
// honest surface before start().
import assert from "node:assert/strict";
import { test } from "node:test";
import { Broker } from "../../src/cluster/broker.js";
import { layoutFromObject } from "../../src/cluster/layout.js";
import { ClusterNode } from "../../src/cluster/node.js";
import { defineEvent } from "../../src/codec/broker/typed.js";
import { z } from "../../src/codec/broker/types.js";
import { ConfigError } from "../../src/errors.js";

const tick = defineEvent("Test::tick", [z.count, z.string]);

async function withBroker(t: { after: (f: () => Promise<unknown>) => void }) {
  const broker = new Broker({ listenXsubEndpoint: "tcp://127.0.0.1:0", listenXpubEndpoint: "tcp://127.0.0.1:0" });
  const ep = await broker.start();
  t.after(() => broker.close());
  return { connectXpubEndpoint: ep.xsub, connectXsubEndpoint: ep.xpub };
}

test("node API - events() iterates typed tuples until the signal aborts; off/once take handlers back", { timeout: 30_000 }, async (t) => {
  const options = await withBroker(t);
  await using sub = await new ClusterNode({ name: "sub", options }).start({ timeoutMs: 10_000 });
  await using pub = await new ClusterNode({ name: "pub", options }).start({ timeoutMs: 10_000 });
  sub.subscribe("test.");
  await sub.ready();
  await pub.ready(); // the subscription has reached pub's XPUB

  let onceCalls = 0;
  let onCalls = 0;
  const counted = () => void onCalls++;
  sub.once(tick, () => void onceCalls++);
  sub.on(tick, counted);
  const ac = new AbortController();
  const got: [bigint, string][] = [];
  let twoSeen!: () => void;
  const two = new Promise<void>((r) => (twoSeen = r));
  const loop = (async () => {
    for await (const [i, s] of sub.events(tick, { signal: ac.signal })) {
      got.push([i, s]);
      if (got.length === 2) twoSeen();
      if (got.length === 5) ac.abort();
    }
  })();
  for (let i = 0; i < 2; i++) assert.ok(pub.publish("test.tick", tick, [BigInt(i), `#${i}`]));
  await two;
  sub.off(tick, counted);
  for (let i = 2; i < 5; i++) assert.ok(pub.publish("test.tick", tick, [BigInt(i), `#${i}`]));
  await loop;
  assert.deepEqual(got, [0n, 1n, 2n, 3n, 4n].map((i) => [i, `#${i}`]));
  assert.equal(onceCalls, 1, "once() ran for the first event only");
  assert.equal(onCalls, 2, "on() ran until off()");
});

test("node API - breaking out of events() and closing the node end the iteration", { timeout: 30_000 }, async (t) => {
  const options = await withBroker(t);
  const sub = await new ClusterNode({ name: "sub", options }).start({ timeoutMs: 10_000 });
  const iter = sub.events(tick);
  const ended = iter.next();
  await sub.close();
  assert.deepEqual(await ended, { value: undefined, done: true });
});

test("node API - start({ timeoutMs }) without a broker fails naming the endpoints, and the node is closed", { timeout: 30_000 }, async () => {
  // A port nobody listens on: bind-free, found by asking the OS for one and closing it.
  const { createServer } = await import("node:net");
  const srv = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => srv.once("listening", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  const node = new ClusterNode({ name: "lonely", options: { connectXpubEndpoint: `tcp://127.0.0.1:${port}`, connectXsubEndpoint: `tcp://127.0.0.1:${port}` } });
  await assert.rejects(node.start({ timeoutMs: 300 }), (e: Error) => {
    assert.match(e.message, /not ready to publish after 300 ms/);
    assert.match(e.message, new RegExp(`connect_xpub_endpoint tcp://127.0.0.1:${port}`));
    return true;
  });
  const ac = new AbortController();
  const other = new ClusterNode({ name: "aborted", options: { connectXpubEndpoint: `tcp://127.0.0.1:${port}`, connectXsubEndpoint: `tcp://127.0.0.1:${port}` } });
  const started = other.start({ signal: ac.signal });
  ac.abort(new Error("user gave up"));
  await assert.rejects(started, /user gave up/);
});

test("node API - a node name missing from the layout is a ConfigError; node.log before start() says so", () => {
  const layout = layoutFromObject({ nodes: { manager: { type: "manager" }, "worker-1": { type: "worker" } } }, "test layout");
  assert.throws(
    () => new ClusterNode({ name: "worker-9", layout }),
    (e: unknown) => e instanceof ConfigError && /no node named "worker-9" \(layout has: manager, worker-1\)/.test(e.message),
  );
  const node = new ClusterNode({ name: "worker-1", layout });
  assert.throws(() => node.log, /node\.log is available once start\(\) has begun/);
  assert.equal(node.broker, undefined);
  assert.equal(node.logSender, undefined);
});
