// The event tail's subscriber, on a thread of its own. The central broker runs with
// listen_xpub_nodrop: a subscriber that falls behind pauses forwarding for the whole cluster.
// So this thread does the least per message: it takes messages packed (spans of the network
// chunk, no frame views), compares the topic in place against the pages' prefixes, counts, and
// keeps a stride sample of a few messages per window; only those are copied and decoded, once
// per window. The main thread (HTTP, scrapes, GC) cannot make it fall behind. When the inbound
// queue is full anyway, the thread reports it and the owner unsubscribes (tail.ts).
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { bytesAt } from "../bytes.js";
import { FORMAT as BIN_FORMAT } from "../codec/broker/bin.js";
import { decodeEvent } from "../codec/broker/event.js";
import { decodeJsonEvent, FORMAT as JSON_FORMAT } from "../codec/broker/json.js";
import { printable } from "../printable.js";
import { XSub, type CurveOption, type PackedMessage } from "../transport/index.js";
import { argsText } from "./render.js";

export interface TailWorkerData {
  endpoint: string;
  curve: CurveOption | null;
  ipv6: boolean;
  receiveHighWaterMark: number;
  windowMs: number;
  samplesPerWindow: number;
}

/** Main thread -> worker. */
export type TailCommand = { type: "set"; prefixes: string[]; subscriptions: string[] } | { type: "stop" };

export interface TailSample {
  prefix: string;
  t: number;
  topic: string;
  sender: string;
  format: string;
  name: string;
  args: string;
  bytes: number;
}

/** Worker -> main thread, once per window. */
export interface TailWindow {
  type: "window";
  ms: number;
  /** Messages per prefix this window. */
  counts: [prefix: string, count: number][];
  samples: TailSample[];
  /** Busiest topics of the window (bounded). */
  topics: [topic: string, count: number][];
  /** Times the inbound queue was found at its HWM (the broker then waits for us). */
  full: number;
  /** Messages that were not Zeek's 4 frames. */
  bad: number;
  /** CPU microseconds this thread used in the window. */
  cpuUs: number;
}

const MAX_TOPICS = 1000;
const TOP_TOPICS = 20;
const MAX_SAMPLE_PAYLOAD = 64 * 1024;
const MAX_ARGS_TEXT = 400;

interface PrefixState {
  text: string;
  bytes: Buffer;
  count: number;
  stride: number;
  countdown: number;
  taken: { t: number; frames: Buffer[] }[];
}

function render(frames: Buffer[], prefix: string, t: number): TailSample {
  const [topic, sender, formatB, payload] = frames as [Buffer, Buffer, Buffer, Buffer];
  const format = printable(formatB.toString("latin1"), 40);
  let name = "";
  let args = "";
  if (payload.length > MAX_SAMPLE_PAYLOAD) args = `(${payload.length} bytes, not decoded)`;
  else
    try {
      const ev = formatB.toString("latin1") === BIN_FORMAT ? decodeEvent(payload) : formatB.toString("latin1") === JSON_FORMAT ? decodeJsonEvent(payload) : undefined;
      if (ev === undefined) args = `(unknown format, ${payload.length} bytes)`;
      else {
        name = printable(ev.name, 200);
        args = argsText(ev.args, MAX_ARGS_TEXT);
      }
    } catch (e) {
      args = `(undecodable: ${printable((e as Error).message, 200)})`;
    }
  if (args.length > MAX_ARGS_TEXT) args = `${args.slice(0, MAX_ARGS_TEXT)}…`;
  return { prefix, t, topic: printable(topic.toString("utf8"), 300), sender: printable(sender.toString("utf8"), 200), format, name, args, bytes: payload.length };
}

function workerMain(): void {
  const cfg = workerData as TailWorkerData;
  const xsub = new XSub({ ipv6: cfg.ipv6, linger: 0, receiveHighWaterMark: cfg.receiveHighWaterMark, ...(cfg.curve ? { curve: cfg.curve } : {}) });
  let prefixes: PrefixState[] = [];
  let subscribed = new Set<string>();
  let full = 0;
  let bad = 0;
  // Topic runs: the topic of the last message, compared in place; counted when it changes.
  let lastTopic: Buffer | undefined;
  let lastTopicText = "";
  let run = 0;
  const topics = new Map<string, number>();
  let otherTopics = 0;

  const endRun = () => {
    if (run === 0) return;
    const n = topics.get(lastTopicText);
    if (n !== undefined) topics.set(lastTopicText, n + run);
    else if (topics.size < MAX_TOPICS) topics.set(lastTopicText, run);
    else otherTopics += run;
    run = 0;
  };

  const take = (msg: PackedMessage) => {
    if (msg.frameCount !== 4) {
      bad++;
      return;
    }
    const buf = msg.buf;
    const spans = msg.spans;
    const t0 = spans[0]!;
    const tlen = spans[1]! - t0;
    let matched = false;
    for (let i = 0; i < prefixes.length; i++) {
      const p = prefixes[i]!;
      if (tlen < p.bytes.length || !bytesAt(buf, t0, p.bytes)) continue;
      matched = true;
      p.count++;
      if (--p.countdown <= 0) {
        p.countdown = p.stride;
        if (p.taken.length < cfg.samplesPerWindow) p.taken.push({ t: Date.now(), frames: msg.frames().map((f) => Buffer.from(f)) });
      }
    }
    if (!matched) return;
    if (lastTopic !== undefined && msg.frameEquals(0, lastTopic)) run++;
    else {
      endRun();
      lastTopic = Buffer.from(buf.subarray(t0, t0 + tlen));
      lastTopicText = lastTopic.toString("utf8");
      run = 1;
    }
  };

  xsub.on("readable", () => {
    while (xsub.pending > 0) {
      if (xsub.pending >= cfg.receiveHighWaterMark) full++;
      const batch = xsub.receivePacked(8192);
      for (let i = 0; i < batch.length; i++) take(batch[i]!);
    }
  });

  let cpu = process.cpuUsage();
  let windowStart = Date.now();
  const flush = () => {
    endRun();
    const now = Date.now();
    const c = process.cpuUsage();
    const samples: TailSample[] = [];
    for (const p of prefixes) {
      for (const s of p.taken) samples.push(render(s.frames, p.text, s.t));
      // Next window's stride: about samplesPerWindow evenly spread over this window's rate.
      p.stride = Math.max(1, Math.ceil(p.count / cfg.samplesPerWindow));
      p.countdown = Math.min(p.countdown, p.stride);
    }
    const top = [...topics].sort((a, b) => b[1] - a[1]).slice(0, TOP_TOPICS).map(([t, n]) => [printable(t, 300), n] as [string, number]);
    if (otherTopics > 0) top.push(["(other topics)", otherTopics]);
    const w: TailWindow = {
      type: "window",
      ms: now - windowStart,
      counts: prefixes.map((p) => [p.text, p.count]),
      samples,
      topics: top,
      full,
      bad,
      cpuUs: c.user - cpu.user + c.system - cpu.system,
    };
    parentPort!.postMessage(w);
    for (const p of prefixes) {
      p.count = 0;
      p.taken = [];
    }
    topics.clear();
    otherTopics = full = bad = 0;
    cpu = c;
    windowStart = now;
  };
  const timer = setInterval(flush, cfg.windowMs);

  parentPort!.on("message", (m: TailCommand) => {
    if (m.type === "stop") {
      clearInterval(timer);
      void xsub.close().then(() => process.exit(0));
      return;
    }
    const old = new Map(prefixes.map((p) => [p.text, p]));
    prefixes = m.prefixes.map((text) => old.get(text) ?? { text, bytes: Buffer.from(text, "utf8"), count: 0, stride: 1, countdown: 1, taken: [] });
    const next = new Set(m.subscriptions);
    for (const s of subscribed) if (!next.has(s)) xsub.send([Buffer.concat([Buffer.of(0), Buffer.from(s, "utf8")])]);
    for (const s of next) if (!subscribed.has(s)) xsub.send([Buffer.concat([Buffer.of(1), Buffer.from(s, "utf8")])]);
    subscribed = next;
    lastTopic = undefined;
    run = 0;
  });
  xsub.connect(cfg.endpoint);
}

if (!isMainThread && (workerData as { windowMs?: unknown } | null)?.windowMs !== undefined) workerMain();
