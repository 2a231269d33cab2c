// Issue 11, "a truncated or junk-suffixed payload for an event no handler is registered for:
// counted as a good event, not in msg_errors". Now every malformed payload is a msg_errors,
// handled or not, and the flood of them costs neither memory nor a flood of stderr lines.
import assert from "node:assert/strict";
import { test } from "node:test";
import { until } from "../harness/until.js";
import { assertCleanStderr, ATTACK_PREFIX, eventFrames, eventPayload, flood, hostilePublisher, report, RssSampler, victimBehindBroker } from "./node-helpers.js";
import { GOOD } from "./node-victim.js";

const N = 60_000;

test("node attack - 60,000 truncated, junk-suffixed and garbage payloads, for unhandled and handled events: all msg_errors", async (t) => {
  const { broker, victim, good } = await victimBehindBroker(t);
  const rss = new RssSampler(victim);
  const attacker = await hostilePublisher(t, broker);
  const unhandled = eventPayload("Attack::unhandled", "a".repeat(100));
  const handled = Buffer.from(GOOD.encode([7n]));
  const bad = (i: number): Buffer => {
    const p = i % 2 === 0 ? unhandled : handled;
    switch (i % 6) {
      case 0:
      case 1:
        return p.subarray(0, i % p.length); // truncated
      case 2:
      case 3:
        return Buffer.concat([p, Buffer.alloc(1 + (i % 7), i & 0xff)]); // junk after the event
      default:
        return Buffer.from([0x0e, 0x03, 0x02, i & 0xff, 0x0e, 0xff, 0xff, 0xff, 0xff, 0x0f]); // garbage
    }
  };
  const errors0 = await victim.metric("zeek_cluster_zeromq_msg_errors_total");
  const flooding = flood(attacker, N, (i) => eventFrames(`${ATTACK_PREFIX}${i % 2 === 0 ? "unhandled" : "good"}`, "attacker", bad(i)));
  await good.check(5); // during
  await flooding;
  // Each one is a msg_errors, or, when the flood outruns the node, an onloop drop (both counted).
  const accounted = async (): Promise<number> => (await victim.metric("zeek_cluster_zeromq_msg_errors_total")) + (await victim.metric("zeek_cluster_zeromq_onloop_drops_total"));
  await until("every malformed message counted", accounted, (n) => n >= errors0 + N);
  await good.check(); // after
  const growth = rss.stop();
  const errors = (await victim.metric("zeek_cluster_zeromq_msg_errors_total")) - errors0;
  const drops = await victim.metric("zeek_cluster_zeromq_onloop_drops_total");
  report("node-malformed", { messages: N, msg_errors: errors, onloop_drops: drops, rss_growth_mb: growth, stderr_lines: victim.proc.err.length });
  // The drops may include some of the good publisher's events sent during the flood.
  assert.ok(errors + drops >= N && errors + drops <= N + good.published, `errors ${errors} + drops ${drops}, good events ${good.published}`);
  assert.ok(errors >= N / 10, `only ${errors} msg_errors`);
  // Not one of them counted as an event (the good publisher's are the only ones).
  const events = await victim.metric("zeek_cluster_core_incoming_events_total");
  assert.ok(events < 200, `${events} incoming events`);
  // Bounded by the onloop queue (onloop_queue_hwm messages) when the flood outruns the node.
  assert.ok(growth < 60, `RSS grew ${growth.toFixed(1)} MB`);
  // Rate-limited (10 lines per 10 s and a summary), escaped.
  assert.ok(victim.proc.err.length <= 25, `${victim.proc.err.length} stderr lines`);
  assertCleanStderr(victim);
});
