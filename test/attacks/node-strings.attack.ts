// Issue 11, "peer-chosen ... sender ids with newlines or escape sequences printed raw on stderr
// (forged log lines); the warned-once sets grow without bound": a node prints every peer-chosen
// string escaped, rate-limits what a peer triggers, and remembers no peer-chosen key without bound.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CLUSTER_HELLO, ZEROMQ_HELLO } from "../../src/cluster/node-types.js";
import { until } from "../harness/until.js";
import { assertCleanStderr, ATTACK_PREFIX, eventFrames, eventPayload, flood, hostilePublisher, report, RssSampler, victimBehindBroker } from "./node-helpers.js";

const N = 40_000;
const LAYOUT = { nodes: { manager: { type: "manager" }, victim: { type: "worker" } }, options: { run_proxy_thread: false } };
/** What a forger wants on the operator's terminal: a fake line, a screen clear, a bidi override. */
const EVIL = "\nzeek-zmq node[victim]: error: FORGED \u001b[2J\u001b]0;pwned\u0007\u202e\r";

test("node attack - 40,000 messages with hostile topics, sender ids, event names, hello names and ids", async (t) => {
  const { broker, victim, good } = await victimBehindBroker(t, [], { layout: LAYOUT });
  const rss = new RssSampler(victim);
  const attacker = await hostilePublisher(t, broker);
  const nodeidTopic = `zeek.cluster.nodeid.${victim.id}.`;
  const errors0 = await victim.metric("zeek_cluster_zeromq_msg_errors_total");
  const flooding = flood(attacker, N, (i) => {
    const u = `${i}${EVIL}${i}`; // every string distinct: a "warn once per key" set would grow
    switch (i % 4) {
      case 0:
        return eventFrames(`${ATTACK_PREFIX}${u}`, `sender${u}`, Buffer.from([0x0e, 0x03, 0xff]));
      case 1:
        return eventFrames(`${ATTACK_PREFIX}x`, `s${u}`, eventPayload(`Attack::${u}`).subarray(0, 30));
      case 2:
        return eventFrames(nodeidTopic, `id${u}`, ZEROMQ_HELLO.encode([`name${u}`, `id${u}`]));
      default:
        return eventFrames(nodeidTopic, `intruder-${i}`, CLUSTER_HELLO.encode([`intruder${u}`, `intruder-${i}`]));
    }
  });
  await good.check(5);
  await flooding;
  // Cases 0-2 are errors (undecodable, truncated, invalid node id); case 3 is a reporter error
  // each; when the flood outruns the node, onloop drops (counted).
  const accounted = async (): Promise<number> => (await victim.metric("zeek_cluster_zeromq_msg_errors_total")) + (await victim.metric("zeek_cluster_zeromq_onloop_drops_total"));
  await until("the hostile messages accounted for", accounted, (n) => n >= errors0 + (3 * N) / 4);
  await good.check();
  const growth = rss.stop();
  report("node-strings", { messages: N, msg_errors: (await victim.metric("zeek_cluster_zeromq_msg_errors_total")) - errors0, onloop_drops: await victim.metric("zeek_cluster_zeromq_onloop_drops_total"), stderr_lines: victim.proc.err.length, rss_growth_mb: growth });
  const errors = (await victim.metric("zeek_cluster_zeromq_msg_errors_total")) - errors0;
  const drops = await victim.metric("zeek_cluster_zeromq_onloop_drops_total");
  assert.ok(errors + drops >= (3 * N) / 4 && errors + drops <= N + good.published && errors >= N / 4, `errors ${errors}, drops ${drops}`);
  assert.ok(victim.proc.err.length >= 4 && victim.proc.err.length <= 60, `${victim.proc.err.length} stderr lines`);
  assert.ok(victim.proc.err.some((l) => l.includes("FORGED \\x1b[2J\\x1b]0;pwned\\x07\\u202e\\r")), victim.proc.err.join("\n"));
  // The suppressed ones are summed up within the next 10 s.
  await victim.proc.errLine(/^zeek-zmq node\[victim\]: (warning|error): \d+ further warnings? suppressed/);
  assertCleanStderr(victim);
  // Bounded by the onloop queue (onloop_queue_hwm messages) when the flood outruns the node.
  assert.ok(growth < 60, `RSS grew ${growth.toFixed(1)} MB`);
  assert.deepEqual(victim.proc.out.filter((l) => l.startsWith("node_")), []);
});
