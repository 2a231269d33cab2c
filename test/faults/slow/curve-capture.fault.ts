// CURVE on the wire: tcpdump (Debian's, installed by this test when missing) captures the loopback
// traffic of a broker and two nodes exchanging a secret event. With CURVE on, neither the topic,
// the node names, nor the payload appear anywhere in the capture; the same run in plaintext is the
// control that proves the capture sees them. Only 127.0.0.1, only the broker's ports.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { NodeOptions } from "../../../src/cluster/options.js";
import { curveKeyPair } from "../../../src/transport/index.js";
import { Proc, ProcSet } from "../../harness/proc.js";
import { have, spawnFaultNode, startFaultBroker } from "../helpers.js";

const set = new ProcSet();
const dirs: string[] = [];
after(async () => {
  set.killAll();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** tcpdump present, or installed now with apt-get; a reason string when that is impossible. */
function ensureTcpdump(): string | null {
  if (have("tcpdump")) return null;
  const run = (args: string[]) => spawnSync("apt-get", args, { encoding: "utf8", timeout: 240_000, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  const upd = run(["update"]);
  const inst = upd.status === 0 ? run(["install", "-y", "--no-install-recommends", "tcpdump"]) : upd;
  if (inst.status !== 0 || !have("tcpdump")) return `tcpdump is not installed and apt-get could not install it (status ${inst.status}): ${(inst.stderr ?? "").slice(-300)}`;
  return null;
}

/** Captures 127.0.0.1 traffic on `ports` while `body` runs; returns the pcap bytes. */
async function capture(ports: number[], body: () => Promise<void>): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "zeek-zmq-capture-"));
  dirs.push(dir);
  const file = join(dir, "lo.pcap");
  const filter = `host 127.0.0.1 and (${ports.map((p) => `tcp port ${p}`).join(" or ")})`;
  const dump = set.add(Proc.spawn("tcpdump", ["-Z", "root", "--immediate-mode", "-i", "lo", "-U", "-s", "0", "-n", "-w", file, filter], { label: "tcpdump", stdin: "ignore" }));
  await dump.errLine(/listening on lo/, 0, 15_000);
  try {
    await body();
  } finally {
    await dump.stop("SIGINT");
  }
  const bytes = await readFile(file);
  if (process.env["CAPTURE_DEBUG"]) process.stderr.write(`tcpdump ${filter}: ${dump.stderr}\n`);
  return bytes;
}

const portOf = (ep: string): number => Number(/:(\d+)$/.exec(ep)![1]);

/** Broker + manager + worker-1; worker-1 sends Test::msg(secret) to the manager; returns the pcap. */
async function run(curve: boolean, secret: string): Promise<Buffer> {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const broker = await startFaultBroker(set, {
    xsub: "tcp://127.0.0.1:0",
    xpub: "tcp://127.0.0.1:0",
    ...(curve ? { curve: { server: { secretKey: server.secretKey, allowedClients: [client.publicKey] } } } : {}),
  });
  const opts: Partial<NodeOptions> = curve ? { curveServerPublickey: server.publicKey, curveClientPublickey: client.publicKey, curveClientSecretkey: client.secretKey } : {};
  return capture([portOf(broker.xsub), portOf(broker.xpub)], async () => {
    const manager = spawnFaultNode(set, "manager", broker, opts);
    const worker = spawnFaultNode(set, "worker-1", broker, opts);
    await Promise.all([manager.wait("started"), worker.wait("started")]);
    await Promise.all([manager.wait("node_up"), worker.wait("node_up")]);
    for (let i = 0; i < 10; i++) await worker.command({ cmd: "msg", topic: "zeek.cluster.manager", s: `${secret}-${i}` }, "sent");
    await manager.wait("event", (l) => (l["args"] as string[])[0] === `${secret}-9`);
    await Promise.all([manager.quit(), worker.quit()]);
    await broker.quit();
  });
}

test("a capture of the loopback traffic shows no plaintext topic, node name or payload with CURVE on", async (t) => {
  const why = ensureTcpdump();
  if (why !== null) {
    t.skip(why);
    return;
  }
  const secret = `SECRET-${randomBytes(8).toString("hex")}`;
  const needles = [secret, "zeek.cluster.manager", "zeek.cluster.nodeid.", "worker-1", "Test::msg", "Cluster::Backend::ZeroMQ::hello"];

  const plain = await run(false, secret);
  for (const s of needles) assert.ok(plain.includes(s), `control: the plaintext capture (${plain.length} bytes) contains ${JSON.stringify(s)}`);

  const enc = await run(true, secret);
  assert.ok(enc.length > 2000, `the CURVE capture has traffic (${enc.length} bytes)`);
  assert.ok(enc.includes("CURVE"), "the capture is of the CURVE run (mechanism name in the greeting)");
  for (const s of needles) assert.ok(!enc.includes(s), `the CURVE capture must not contain ${JSON.stringify(s)}`);
  t.diagnostic(`plaintext capture ${plain.length} bytes, CURVE capture ${enc.length} bytes; checked ${needles.length} strings`);
});
