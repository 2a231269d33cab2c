// CURVE through the whole cluster: a broker that is a CURVE server, nodes that are CURVE clients
// configured with Zeek's four settings; a node with a key the broker does not allow is a fatal
// configuration error, as in Zeek.
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Broker } from "../../src/cluster/broker.js";
import { layoutFromObject } from "../../src/cluster/layout.js";
import { ClusterNode } from "../../src/cluster/node.js";
import { curveKeyPair, curveKeysFrom } from "../../src/transport/index.js";

const layout = layoutFromObject(
  { nodes: [{ name: "manager", type: "manager", host: "127.0.0.1" }, { name: "worker-1", type: "worker", host: "127.0.0.1" }] },
  "curve-test",
);
const logging = { dir: mkdtempSync(join(tmpdir(), "zeek-zmq-curve-")) };

test("curve - nodes with Zeek's CURVE settings join a CURVE broker; a wrong client key is fatal", async () => {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const keys = { curveServerPublickey: server.publicKey, curveServerSecretkey: server.secretKey, curveClientPublickey: client.publicKey, curveClientSecretkey: client.secretKey };
  const broker = new Broker({ listenXsubEndpoint: "tcp://127.0.0.1:0", listenXpubEndpoint: "tcp://127.0.0.1:0", curve: curveKeysFrom(keys).server });
  const ep = await broker.start();
  const endpoints = { connectXpubEndpoint: ep.xsub, connectXsubEndpoint: ep.xpub };
  const manager = new ClusterNode({ name: "manager", layout, logging, options: { ...endpoints, ...keys } });
  const worker = new ClusterNode({ name: "worker-1", layout, logging, options: { ...endpoints, ...keys } });
  const intruderKeys = curveKeyPair();
  const intruder = new ClusterNode({
    name: "worker-1",
    layout,
    logging,
    options: { ...endpoints, ...keys, curveClientPublickey: intruderKeys.publicKey, curveClientSecretkey: intruderKeys.secretKey },
  });
  try {
    const up = once(manager, "node_up");
    const handshakes: string[] = [];
    worker.on("monitoring_event", (e) => handshakes.push(`${e.socket} ${e.event}`));
    worker.on("monitoring_event", (e) => e.event === "handshake_succeeded" && assert.equal(e.number, 0x1000));
    await manager.start();
    await worker.start();
    assert.equal((await up)[0], "worker-1");
    assert.ok(handshakes.includes("xpub handshake_succeeded") && handshakes.includes("xsub handshake_succeeded"), handshakes.join(", "));

    const fatal = once(intruder, "fatal");
    const failures: string[] = [];
    intruder.on("monitoring_event", (e) => e.event === "handshake_failed" && failures.push(`${e.socket} ${e.reason} 0x${e.number.toString(16)} ${e.value}`));
    void intruder.start().catch(() => undefined);
    const [message] = (await fatal) as [string];
    assert.match(message, /handshake with tcp:\/\/127\.0\.0\.1:\d+ failed \(auth\).*CURVE keys/);
    // Zeek's monitoring_event numbers: ZMQ_EVENT_HANDSHAKE_FAILED_AUTH (0x4000) with ZAP status 400.
    assert.ok(failures.some((f) => f.endsWith("auth 0x4000 400")), failures.join(", "));
  } finally {
    await Promise.all([manager.close(), worker.close(), intruder.close()]);
    await broker.close();
  }
});
