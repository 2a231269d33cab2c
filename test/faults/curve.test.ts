// CURVE at cluster level, real processes: a broker whose XSUB/XPUB are CURVE servers admitting one
// client key (as Zeek's ZAP handler does) and nodes configured with Zeek's curve_* options. The
// right keys form a cluster; a wrong server key, a client key the broker does not admit, and a
// plaintext node are all refused: the node reports a fatal handshake failure and never starts,
// the broker reports the failed handshakes, and the cluster never sees the intruder (no node_up).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { NodeOptions } from "../../src/cluster/options.js";
import { curveKeyPair } from "../../src/transport/index.js";
import type { BrokerProc } from "../cluster/helpers/procs.js";
import { type Proc, ProcSet } from "../harness/proc.js";
import { spawnFaultNode, startFaultBroker } from "./helpers.js";

const SERVER = curveKeyPair();
const CLIENT = curveKeyPair();
const OTHER = curveKeyPair();

/** Zeek's options for a node (a CURVE client of the broker). */
export const clientOptions = (client = CLIENT, serverPub = SERVER.publicKey): Partial<NodeOptions> => ({
  curveServerPublickey: serverPub,
  curveClientPublickey: client.publicKey,
  curveClientSecretkey: client.secretKey,
});

const set = new ProcSet();
after(() => set.killAll());

describe("CURVE cluster: wrong keys and plaintext are refused", () => {
  let broker: BrokerProc;
  let manager: Proc;
  let worker: Proc;

  before(async () => {
    broker = await startFaultBroker(set, {
      xsub: "tcp://127.0.0.1:0",
      xpub: "tcp://127.0.0.1:0",
      curve: { server: { secretKey: SERVER.secretKey, allowedClients: [CLIENT.publicKey] } },
    });
    manager = spawnFaultNode(set, "manager", broker, clientOptions());
    worker = spawnFaultNode(set, "worker-1", broker, clientOptions());
    await Promise.all([manager.wait("started"), worker.wait("started")]);
  });

  test("the right keys: the nodes see each other and events flow", async () => {
    await Promise.all([manager.wait("node_up", (l) => l["name"] === "worker-1"), worker.wait("node_up", (l) => l["name"] === "manager")]);
    const mark = manager.lines.length;
    assert.equal((await worker.command({ cmd: "msg", topic: "zeek.cluster.manager", s: "over curve" }, "sent"))["ok"], true);
    assert.deepEqual((await manager.wait("event", () => true, mark))["args"], ["over curve"]);
  });

  // [what, the node's options, the handshake failure reason the node reports]
  const refusals: [string, Partial<NodeOptions>, string][] = [
    ["wrong server public key", clientOptions(CLIENT, OTHER.publicKey), "crypto"],
    ["client key the broker does not admit", clientOptions(OTHER), "auth"],
    ["plaintext node (no CURVE keys)", {}, "mechanism-mismatch"],
  ];
  for (const [what, options, reason] of refusals)
    test(`refused: ${what}`, async () => {
      const bMark = broker.lines.length;
      const seen = [manager.lines.length, worker.lines.length];
      const intruder = spawnFaultNode(set, "worker-2", broker, options);
      const fatal = await intruder.wait("fatal");
      assert.match(String(fatal["msg"]), new RegExp(`handshake with tcp://127\\.0\\.0\\.1:\\d+ failed \\(${reason}\\)`), `fatal message: ${String(fatal["msg"])}`);
      assert.equal(intruder.all("started").length, 0, "the refused node never became ready");
      const failed = intruder.all("monitor").filter((l) => l["event"] === "handshake_failed");
      assert.deepEqual([...new Set(failed.map((l) => l["reason"]))], [reason], "handshake_failed monitoring events with that reason");
      // The broker saw the failed handshake on its side too.
      await broker.wait("conn", (l) => l["ev"] === "handshake:error", bMark);
      await intruder.quit();
      // Nobody saw it join: cluster members printed no node_up for worker-2.
      for (const [i, p] of [manager, worker].entries())
        assert.deepEqual(p.lines.slice(seen[i]).filter((l) => l["e"] === "node_up"), [], `${p.label} saw no node_up`);
    });

  test("the cluster still works after the refusals", async () => {
    const mark = worker.lines.length;
    await manager.command({ cmd: "msg", topic: "zeek.cluster.worker", s: "still fine" }, "sent");
    assert.deepEqual((await worker.wait("event", () => true, mark))["args"], ["still fine"]);
    await Promise.all([manager.quit(), worker.quit(), broker.quit()]);
  });
});
