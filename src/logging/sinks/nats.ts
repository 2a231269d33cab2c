// A logger sink into NATS JetStream (beside the files): every record becomes one message on
// `<prefix>.<path>`, its body the JSON line the json format writes (Zeek's LogAscii::use_json
// line, without the newline). The stream is created when missing.
//
// Delivery: records are published asynchronously into a bounded window of unacknowledged
// publishes; each carries a Nats-Msg-Id, so JetStream's duplicate window turns every resend into
// exactly one stored message. A lost connection, a timeout, "no responders" or an error reply
// makes the window go out again, in order, once the server answers. Records accepted and not
// yet acknowledged are capped: past the cap the sink reports `congested`, the receiver stops
// reading, and the backlog waits in the logger's PULL queue, then in the nodes' PUSH queues
// (whose log_sndhwm drops are counted). Acks come to one wildcard inbox subscription: no
// promise or closure per record. The client library is loaded on start(), so processes that
// never use this sink do not pay for loading it.
import { randomBytes } from "node:crypto";
import type { Msg, MsgHdrs, NatsConnection, NatsError } from "nats";
import type { LogBatch, LogField } from "../../codec/zeek-log/index.js";
import { printable, quoted, Warnings } from "../../printable.js";
import type { Counter, MetricsRegistry } from "../../telemetry/registry.js";
import type { BatchOrigin, ConsumerCloseReport, LogBatchConsumer } from "../consumer.js";
import type { JsonFormatOptions } from "../format/json.js";
import { logFormat, type LogFormat } from "../format/registry.js";
import { type DropReason, LoggerMetrics, type PathCounters } from "../metrics.js";
import { sameFields } from "../path-writer.js";
import { ByteSink } from "../sink.js";

export const NATS_SINK_DEFAULTS = Object.freeze({
  url: "nats://127.0.0.1:4222",
  subjectPrefix: "zeek.logs",
  stream: "ZEEK_LOGS",
  /** Publishes awaiting their acknowledgement at once. */
  ackWindow: 1024,
  /** A window without any acknowledgement for this long is sent again. */
  ackTimeoutMs: 5000,
  /** How long shutdown waits for the last acknowledgements. */
  shutdownTimeoutMs: 30_000,
  maxPaths: 10_000,
});

export interface NatsLogSinkOptions {
  /** Server URL(s), comma-separated. @default nats://127.0.0.1:4222 */
  url?: string;
  /** Subjects are `<subjectPrefix>.<path>`. @default zeek.logs */
  subjectPrefix?: string;
  /** JetStream stream (created with subjects `<subjectPrefix>.>` when missing). @default ZEEK_LOGS */
  stream?: string;
  /** Unacknowledged publishes at once; twice this many accepted records make the sink congested. @default 1024 */
  ackWindow?: number;
  ackTimeoutMs?: number;
  shutdownTimeoutMs?: number;
  /** Distinct paths (subjects, metric series). @default 10000 */
  maxPaths?: number;
  json?: JsonFormatOptions;
  registry?: MetricsRegistry;
  report?: (line: string) => void;
  /** Connection name shown by the server (e.g. the logger node's name). */
  name?: string;
  /** Called after each acknowledged record (progress, benchmarks). */
  onAcked?: () => void;
}

/** A subject token: no wildcards, spaces or controls; dots make further tokens. */
const SAFE_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,199}$/;
const SAFE_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const SAFE_STREAM = /^[A-Za-z0-9_-]{1,64}$/;
/** Until the server says otherwise (INFO max_payload). */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** Space for the subject, reply subject and header a message adds to its body. */
const ENVELOPE = 512;
const RETRY_MS = 250;

interface Entry {
  readonly id: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly counters: PathCounters;
  acked: boolean;
}

interface PathState {
  fields: LogField[];
  format: LogFormat;
  readonly subject: string;
  readonly counters: PathCounters;
}

export class NatsLogSink implements LogBatchConsumer {
  private readonly url: string;
  private readonly prefix: string;
  private readonly streamName: string;
  private readonly window: number;
  private readonly ackTimeoutMs: number;
  private readonly maxPaths: number;
  private readonly report: (line: string) => void;
  private readonly warnings: Warnings;
  private readonly metrics: LoggerMetrics | undefined;
  private readonly paths = new Map<string, PathState>();
  private readonly sink = new ByteSink();
  private readonly msgIdPrefix = randomBytes(6).toString("hex") + ".";
  private inbox = "";
  private inboxLen = 0;
  private headers: (() => MsgHdrs) | undefined;

  private nc: NatsConnection | undefined;
  private connected = false;
  private maxPayload = DEFAULT_MAX_PAYLOAD;
  /** Accepted records in order; [head, next) were sent, [next, end) wait for the window. */
  private q: Entry[] = [];
  private head = 0;
  private next = 0;
  private nextId = 1;
  private inFlight = 0;
  private lastProgress = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private checkTimer: NodeJS.Timeout | null = null;
  private readonly uncongested: (() => void)[] = [];
  private closing = false;
  private closed = false;
  private drained: (() => void) | null = null;
  private ready: Promise<void> | undefined;

  private readonly acked: Counter;
  private readonly failed: Counter;
  private readonly errorReplies: Counter;

  /** Totals (for callers that do not scrape metrics); `written` counts acknowledged records. */
  readonly totals = { batches: 0, records: 0, written: 0, dropped: 0 };
  readonly health = { failures: 0, lostBytes: 0, lostRecords: 0 };

  constructor(opts: NatsLogSinkOptions = {}) {
    this.url = opts.url ?? NATS_SINK_DEFAULTS.url;
    this.prefix = opts.subjectPrefix ?? NATS_SINK_DEFAULTS.subjectPrefix;
    this.streamName = opts.stream ?? NATS_SINK_DEFAULTS.stream;
    if (!SAFE_PREFIX.test(this.prefix)) throw new RangeError(`log_nats_subject_prefix ${JSON.stringify(this.prefix)} is not a NATS subject without wildcards (tokens of letters, digits, _ and -, joined by dots)`);
    if (!SAFE_STREAM.test(this.streamName)) throw new RangeError(`log_nats_stream ${JSON.stringify(this.streamName)} is not a JetStream stream name (1-64 letters, digits, _ and -)`);
    this.window = opts.ackWindow ?? NATS_SINK_DEFAULTS.ackWindow;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? NATS_SINK_DEFAULTS.ackTimeoutMs;
    this.shutdownTimeoutMs = opts.shutdownTimeoutMs ?? NATS_SINK_DEFAULTS.shutdownTimeoutMs;
    this.maxPaths = opts.maxPaths ?? NATS_SINK_DEFAULTS.maxPaths;
    this.json = opts.json ?? {};
    this.connName = opts.name;
    this.onAcked = opts.onAcked;
    this.report = opts.report ?? ((line) => void process.stderr.write(line + "\n"));
    this.warnings = new Warnings(this.report);
    const r = opts.registry;
    this.metrics = r ? new LoggerMetrics(r) : undefined;
    this.acked = r ? r.counter("zeek_logger_nats_acked_records", "Log records JetStream acknowledged (stored).") : zc();
    this.failed = r ? r.counter("zeek_logger_nats_failed_publishes", "Publishes to JetStream that failed (lost connection, timeout, no responders, error reply) and were sent again.") : zc();
    this.errorReplies = r ? r.counter("zeek_logger_nats_error_replies", "Error replies from JetStream to a publish (the records are kept and sent again).") : zc();
    r?.callbackGauge("zeek_logger_nats_pending_records", "Log records accepted and not yet acknowledged by JetStream.", () => this.pending);
    r?.callbackGauge("zeek_logger_nats_connected", "1 while connected to a NATS server, else 0.", () => (this.connected ? 1 : 0));
  }

  private readonly shutdownTimeoutMs: number;
  private readonly json: JsonFormatOptions;
  private readonly connName: string | undefined;
  private readonly onAcked: (() => void) | undefined;

  /** Records accepted and not yet acknowledged. */
  get pending(): number {
    return this.q.length - this.head;
  }

  get congested(): boolean {
    return this.pending >= 2 * this.window || (!this.connected && this.pending >= this.window);
  }

  whenUncongested(resume: () => void): void {
    this.uncongested.push(resume);
  }

  /**
   * Connects (retrying until a server answers, reporting once while it does not) and makes sure
   * the stream exists. Records written before are kept and go out once connected.
   */
  start(): Promise<void> {
    this.ready ??= this.connectAndPrepare();
    return this.ready;
  }

  private async connectAndPrepare(): Promise<void> {
    const { connect, createInbox, headers } = await import("nats");
    this.headers = headers;
    this.inbox = createInbox();
    this.inboxLen = this.inbox.length + 1;
    const servers = this.url.split(",").map((s) => s.trim()).filter((s) => s !== "");
    let warned = false;
    for (;;) {
      try {
        this.nc = await connect({ servers, name: this.connName ?? "zeek-zmq logger", reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: RETRY_MS, pingInterval: 10_000 });
        break;
      } catch (err) {
        if (this.closing) return;
        if (!warned) this.report(`logger: cannot reach NATS at ${this.url} (${(err as Error).message}); retrying every second; logs wait in the PULL queue (check log_nats_url / --nats-url and that nats-server -js runs)`);
        warned = true;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    const nc = this.nc;
    this.maxPayload = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    nc.subscribe(`${this.inbox}.*`, { callback: this.onAck });
    void this.watchStatus(nc);
    await this.ensureStream();
    this.connected = true;
    this.report(`logger: publishing logs to NATS JetStream at ${this.url}, stream ${this.streamName}, subjects ${this.prefix}.<path>`);
    this.checkTimer = setInterval(this.checkTimeout, Math.max(50, this.ackTimeoutMs / 4));
    this.checkTimer.unref();
    this.pump();
  }

  /** Creates the stream when missing; retries while JetStream does not answer. */
  private async ensureStream(): Promise<void> {
    const nc = this.nc!;
    let warned = false;
    for (;;) {
      let step = "has no usable JetStream";
      try {
        const jsm = await nc.jetstreamManager();
        step = `cannot look up or create stream ${this.streamName} for subjects ${this.prefix}.>`;
        try {
          const info = await jsm.streams.info(this.streamName);
          const subjects = info.config.subjects ?? [];
          if (!subjects.includes(`${this.prefix}.>`) && !subjects.includes(">"))
            this.warnings.once("subjects", () => `logger: JetStream stream ${this.streamName} exists with subjects ${JSON.stringify(subjects)}, which may not cover ${this.prefix}.>; records on uncovered paths are retried until it does`);
        } catch (err) {
          if ((err as NatsError).api_error?.err_code !== 10059 && !/not found/i.test((err as Error).message)) throw err;
          await jsm.streams.add({ name: this.streamName, subjects: [`${this.prefix}.>`] });
          this.report(`logger: created JetStream stream ${this.streamName} for subjects ${this.prefix}.>`);
        }
        return;
      } catch (err) {
        if (this.closing) return;
        if (!warned) this.report(`logger: NATS at ${this.url} ${step} (${(err as Error).message}); retrying every second (JetStream needs nats-server -js; another stream may already hold these subjects: change log_nats_subject_prefix or log_nats_stream)`);
        warned = true;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") {
        if (!this.connected) continue;
        this.connected = false;
        this.warnings.always(() => `logger: lost the connection to NATS at ${String(s.data)}; ${this.pending} records wait for JetStream and are sent again once it is back (the receiver stops reading at ${2 * this.window})`);
      } else if (s.type === "reconnect") {
        this.connected = true;
        this.report(`logger: reconnected to NATS at ${String(s.data)}; sending ${this.pending} waiting records`);
        this.resend();
      }
    }
  }

  write(batch: LogBatch, origin: BatchOrigin): void {
    if (this.closed) throw new Error("NatsLogSink: write after close");
    const path = batch.path;
    const n = batch.records.length;
    this.totals.batches++;
    this.totals.records += n;
    let st = this.paths.get(path);
    if (st === undefined) {
      if (!SAFE_PATH.test(path)) {
        this.drop("", "bad-path", n);
        this.warnings.once(`path:${origin.sender}`, () => `logger: a batch from ${from(origin)} has path ${quoted(path, 64)}, which is not a NATS subject token; its records are dropped (counted in zeek_logger_dropped_records_total{reason="bad-path"})`);
        return;
      }
      if (this.paths.size >= this.maxPaths) {
        this.drop("", "too-many-paths", n);
        this.warnings.once(`paths:${origin.sender}`, () => `logger: refused path ${quoted(path, 64)} from ${from(origin)}: ${this.maxPaths} paths (log_max_paths) are in use`);
        return;
      }
      st = { fields: batch.fields, format: logFormat("json").create(path, batch.fields, { json: this.json }), subject: `${this.prefix}.${path}`, counters: this.metrics?.forPath(path) ?? zcounters() };
      this.paths.set(path, st);
    } else if (!sameFields(st.fields, batch.fields)) {
      // Each message stands alone: a new schema only needs a new formatter.
      st.fields = batch.fields;
      st.format = logFormat("json").create(path, batch.fields, { json: this.json });
    }
    const c = st.counters;
    c.batchesReceived.value++;
    c.recordsReceived.value += n;
    c.bytesReceived.value += origin.payloadBytes;
    const sink = this.sink;
    st.format.write(sink, batch.records, (err) => {
      this.drop(path, "bad-value", 1);
      this.warnings.once(`value:${path}`, () => `logger: a ${path} record from ${from(origin)} cannot be written and is dropped: ${printable((err as Error).message)}`);
    }, Infinity);
    const limit = this.maxPayload - ENVELOPE;
    // Whole lines, never across chunks (ByteSink): one message per line, without its newline.
    for (const chunk of sink.take()) {
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
        if (nl - start > limit) {
          this.drop(path, "bad-value", 1);
          this.warnings.once(`size:${path}`, () => `logger: a ${path} record from ${from(origin)} is ${nl - start} bytes as JSON, more than NATS max_payload allows; dropped`);
        } else this.q.push({ id: this.nextId++, subject: st.subject, data: chunk.subarray(start, nl), counters: c, acked: false });
        start = nl + 1;
      }
    }
    this.pump();
  }

  private drop(path: string, reason: DropReason, records: number): void {
    this.totals.dropped += records;
    this.metrics?.drop(path, reason, records);
  }

  /** Sends what the window allows. */
  private pump(): void {
    if (!this.connected || this.retryTimer !== null) return;
    const nc = this.nc!;
    const headers = this.headers!;
    const q = this.q;
    if (this.inFlight === 0) this.lastProgress = performance.now();
    while (this.inFlight < this.window && this.next < q.length) {
      const e = q[this.next++]!;
      if (e.acked) continue;
      const h: MsgHdrs = headers();
      h.set("Nats-Msg-Id", this.msgIdPrefix + e.id);
      nc.publish(e.subject, e.data, { reply: `${this.inbox}.${e.id}`, headers: h });
      this.inFlight++;
    }
  }

  private readonly onAck = (err: NatsError | null, msg: Msg): void => {
    if (err !== null) return;
    const id = Number(msg.subject.slice(this.inboxLen));
    const data = msg.data;
    // JetStream's PubAck is {"stream":...,"seq":N[,"duplicate":true]}; anything else failed.
    if (data.length < 3 || data[2] !== 0x73 /* s */) return this.failedReply(msg);
    if (this.q.length === this.head) return;
    const i = this.head + (id - this.q[this.head]!.id);
    if (i < this.head || i >= this.q.length) return; // an ack for an entry acknowledged before
    const e = this.q[i]!;
    if (e.acked) return;
    e.acked = true;
    if (i < this.next) this.inFlight--;
    this.acked.value++;
    this.totals.written++;
    e.counters.recordsWritten.value++;
    e.counters.bytesWritten.value += e.data.length;
    this.lastProgress = performance.now();
    this.onAcked?.();
    if (i === this.head) this.advance();
    this.pump();
  };

  private advance(): void {
    const q = this.q;
    while (this.head < q.length && q[this.head]!.acked) this.head++;
    if (this.head > 4096 && this.head * 2 > q.length) {
      q.splice(0, this.head);
      this.next -= this.head;
      this.head = 0;
    }
    if (this.uncongested.length > 0 && this.pending < this.window) for (const f of this.uncongested.splice(0)) f();
    if (this.pending === 0) this.drained?.();
  }

  private failedReply(msg: Msg): void {
    const code = msg.headers?.code ?? 0;
    if (code === 503) {
      this.warnings.once("503", () => `logger: JetStream has no responder for ${this.prefix}.* (stream ${this.streamName} missing or the server is starting); retrying`);
    } else {
      this.errorReplies.value++;
      this.health.failures++;
      let what = printable(Buffer.from(msg.data).toString("utf8"), 300);
      if (code !== 0) what = `${code} ${printable(msg.headers?.description ?? "", 100)}`;
      this.warnings.always(() => `logger: JetStream refused a publish on stream ${this.streamName}: ${what}; the records are kept and sent again`);
    }
    this.retryLater(code === 503);
  }

  private retryLater(recreate: boolean): void {
    if (this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (recreate && this.connected) void this.ensureStream().then(() => this.resend());
      else this.resend();
    }, RETRY_MS);
  }

  private readonly checkTimeout = (): void => {
    if (this.inFlight > 0 && this.connected && this.retryTimer === null && performance.now() - this.lastProgress > this.ackTimeoutMs) {
      this.warnings.always(() => `logger: no acknowledgement from JetStream for ${this.ackTimeoutMs} ms; sending ${this.inFlight} records again`);
      this.resend();
    }
  };

  /** Sends every unacknowledged record again, in order (the duplicate window keeps one copy each). */
  private resend(): void {
    this.failed.value += this.inFlight;
    this.inFlight = 0;
    this.next = this.head;
    this.pump();
  }

  /** Waits for the last acknowledgements (at most shutdownTimeoutMs), then closes the connection. */
  async shutdown(): Promise<ConsumerCloseReport> {
    if (this.closed) return { ...this.health };
    this.closing = true;
    this.closed = true;
    if (this.pending > 0 && this.nc !== undefined) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.shutdownTimeoutMs);
        this.drained = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    if (this.checkTimer !== null) clearInterval(this.checkTimer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    const lost = this.q.slice(this.head).filter((e) => !e.acked);
    for (const e of lost) {
      this.health.lostRecords++;
      this.health.lostBytes += e.data.length;
    }
    if (lost.length > 0) {
      this.drop("", "write-failed", lost.length);
      this.report(`logger: ${lost.length} log records were not acknowledged by JetStream at ${this.url} within ${this.shutdownTimeoutMs} ms of shutdown and are lost (counted in zeek_logger_dropped_records_total{reason="write-failed"})`);
    }
    this.q = [];
    this.head = this.next = 0;
    await this.nc?.close().catch(() => undefined);
    this.connected = false;
    this.warnings.flush();
    return { ...this.health };
  }
}

function from(origin: BatchOrigin): string {
  return origin.sender === "" ? "this node" : `sender ${quoted(origin.sender, 120)}`;
}

function zc(): Counter {
  return { value: 0, inc(n = 1) { this.value += n; } } as Counter;
}

function zcounters(): PathCounters {
  return { batchesReceived: zc(), recordsReceived: zc(), bytesReceived: zc(), recordsWritten: zc(), bytesWritten: zc(), writeErrors: zc() };
}
