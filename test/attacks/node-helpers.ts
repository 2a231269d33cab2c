// Node-specific pieces of the attack suite: a real `zeek-zmq node` process as the target (with
// /metrics and the node-victim.ts script), a well-behaved libzmq publisher whose events the victim
// must keep handling, and builders for the hostile messages a peer publishes through the broker.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import * as zmq from "zeromq";
import { defineEvent, type EventDecl } from "../../src/codec/broker/typed.js";
import { z } from "../../src/codec/broker/types.js";
import type { Proc } from "../harness/proc.js";
import { memory, metric, startTsBroker, WAIT_MS, zeekZmq, ZmtpAttacker, type BrokerTarget } from "./harness.js";
import { until } from "../harness/until.js";
import { GOOD, GOOD_TOPIC } from "./node-victim.js";

export { ATTACK_PREFIX, GOOD_TOPIC, SLOW } from "./node-victim.js";

const VICTIM_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "node-victim.js");

export interface Victim {
  proc: Proc;
  pid: number;
  /** Its Cluster::node_id(). */
  id: string;
  metricsUrl: string;
  /** Sum of a metric's series on the victim's /metrics. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** RSS in MB now. */
  rssMb(): number;
}

/**
 * `zeek-zmq node --name NAME` (default "victim") connected to `broker`, with /metrics on a free
 * port and the node-victim.ts script; `extra` are more flags (options such as --core-metrics).
 * With `layout` (a JSON layout document) it takes part in discovery as a node of that layout.
 */
export async function startVictim(t: TestContext, broker: BrokerTarget, extra: string[] = [], opts: { name?: string; layout?: unknown } = {}): Promise<Victim> {
  const name = opts.name ?? "victim";
  const args = ["node", "--name", name, "--connect-xsub-endpoint", broker.xpub, "--connect-xpub-endpoint", broker.xsub, "--metrics-port", "0", "--script", VICTIM_SCRIPT];
  if (opts.layout !== undefined) {
    const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-attack-layout-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "layout.json"), JSON.stringify(opts.layout));
    args.push("--layout", join(dir, "layout.json"));
  }
  const proc = zeekZmq(t, [...args, ...extra], { label: name });
  const metricsUrl = (await proc.line(/^metrics on (\S+)$/))[1]!;
  const id = (await proc.line(new RegExp(`^ready ${name} (\\S+)$`)))[1]!;
  await proc.line(/^subscribed$/);
  const pid = proc.child.pid!;
  return { proc, pid, id, metricsUrl, metric: (n, l = {}) => metric(metricsUrl, n, l), rssMb: () => memory(pid).rssMb };
}

/** A broker (zeek-zmq) and a victim node behind it, with the well-behaved publisher proven to work. */
export async function victimBehindBroker(t: TestContext, extra: string[] = [], opts: { name?: string; layout?: unknown; broker?: string[] } = {}): Promise<{ broker: BrokerTarget; victim: Victim; good: GoodPublisher }> {
  const broker = await startTsBroker(t, opts.broker);
  const victim = await startVictim(t, broker, extra, opts);
  const good = await GoodPublisher.start(t, broker, victim);
  return { broker, victim, good };
}

/**
 * A well-behaved libzmq publisher (the zeromq package) connected to the broker's XSUB like a Zeek
 * node's XPUB, publishing Attack::good(n) to the victim. `check()` proves the path works.
 */
export class GoodPublisher {
  private n = 0;
  private constructor(
    private readonly pub: zmq.Publisher,
    private readonly victim: Victim,
  ) {}

  static async start(t: TestContext, broker: BrokerTarget, victim: Victim): Promise<GoodPublisher> {
    const pub = new zmq.Publisher({ linger: 0 });
    t.after(() => pub.close());
    pub.connect(broker.xsub);
    const g = new GoodPublisher(pub, victim);
    await g.check(1);
    return g;
  }

  /** Attack::good events published so far (some may be dropped at the victim's onloop HWM during a flood). */
  get published(): number {
    return this.n;
  }

  /** Resolves once `count` Attack::good events published from now on were handled; throws after `ms`. */
  async check(count = 10, ms = WAIT_MS): Promise<void> {
    const first = this.n + 1;
    const from = this.victim.proc.out.length;
    const t0 = Date.now();
    const handled = (): number => {
      let k = 0;
      for (let i = from; i < this.victim.proc.out.length; i++) {
        const m = /^good (\d+)$/.exec(this.victim.proc.out[i]!);
        if (m && Number(m[1]) >= first) k++;
      }
      return k;
    };
    while (handled() < count) {
      if (Date.now() - t0 > ms) throw new Error(`well-behaved publisher: ${handled()} of ${count} events handled by the victim within ${ms} ms`);
      if (!this.victim.proc.running) throw new Error(`well-behaved publisher: the victim exited after handling ${handled()} of ${count} events`);
      // Before the subscription reached this publisher, libzmq drops what it sends: resend when the
      // victim reports no handled event within 20 ms.
      const mark = this.victim.proc.out.length;
      await this.pub.send([GOOD_TOPIC, "good-publisher", "broker-bin-v1", GOOD.encode([BigInt(++this.n)])]);
      await this.victim.proc.line(/^good \d+$/, mark, 20).catch(() => undefined);
    }
  }
}

/** A raw hostile peer on the broker's XSUB (as a node's XPUB would connect): what it publishes reaches the victim. */
export async function hostilePublisher(t: TestContext, broker: BrokerTarget): Promise<ZmtpAttacker> {
  const a = await ZmtpAttacker.connect(broker.xsub, "XPUB");
  t.after(() => a.close());
  return a;
}

/** The 4 frames of a published event: topic, sender id, format, payload. */
export function eventFrames(topic: string | Buffer, sender: string | Buffer, payload: Uint8Array, format = "broker-bin-v1"): Buffer[] {
  const b = (x: string | Buffer): Buffer => (typeof x === "string" ? Buffer.from(x, "utf8") : x);
  return [b(topic), b(sender), Buffer.from(format), Buffer.from(payload)];
}

const declCache = new Map<string, EventDecl<[string]>>();

/** A well-formed broker-bin-v1 payload of the event `name(s: string)` (no handler for it on the victim). */
export function eventPayload(name: string, arg = "x"): Buffer {
  let d = declCache.get(name);
  if (d === undefined) {
    d = defineEvent(name, [z.string], ["s"]);
    if (declCache.size < 1000) declCache.set(name, d);
  }
  return Buffer.from(d.encode([arg]));
}

/** Publishes `count` messages built by `make(i)` from the hostile peer; resolves with the number written. */
export async function flood(attacker: ZmtpAttacker, count: number, make: (i: number) => Buffer[]): Promise<number> {
  const wrote = await attacker.flood(count, (i) => attacker.message(make(i)));
  assert.equal(wrote, count, "the broker stopped reading the hostile publisher");
  return wrote;
}

/** Waits until the victim's metric reaches at least `min`. */
export function metricAtLeast(victim: Victim, name: string, min: number, labels: Record<string, string> = {}): Promise<number> {
  return until(`${name}${JSON.stringify(labels)} >= ${min}`, () => victim.metric(name, labels), (v) => v >= min);
}

/** The victim's stderr lines: each must be one of its own (prefix) and free of raw control characters. */
export function assertCleanStderr(victim: Victim, name = "victim"): void {
  for (const line of victim.proc.err) {
    assert.ok(line.startsWith(`zeek-zmq node[${name}]: `), `a line the victim did not write itself (forged?): ${JSON.stringify(line)}`);
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/, `raw control character on stderr: ${JSON.stringify(line)}`);
  }
}

/** Samples the victim's RSS every 50 ms from now on: the growth over the value at start. */
export class RssSampler {
  readonly baseMb: number;
  maxMb: number;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly victim: Victim) {
    this.baseMb = this.maxMb = victim.rssMb();
    this.timer = setInterval(() => this.sample(), 50);
    this.timer.unref(); // a failed test must not keep the run alive
  }

  private sample(): void {
    try {
      this.maxMb = Math.max(this.maxMb, this.victim.rssMb());
    } catch {
      // the process is gone; the test reports why
    }
  }

  /** Stops sampling; the largest growth seen, in MB. */
  stop(): number {
    this.sample();
    clearInterval(this.timer);
    return this.maxMb - this.baseMb;
  }
}

/** One line for RELIABILITY.md: `ATTACK name key=value ...` on stdout of the test run. */
export function report(name: string, values: Record<string, number | string>): void {
  const fmt = (v: number | string): string => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : v);
  process.stdout.write(`ATTACK ${name} ${Object.entries(values).map(([k, v]) => `${k}=${fmt(v)}`).join(" ")}\n`);
}
