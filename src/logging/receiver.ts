// The logger's PULL socket (Zeek's log receiver on a logger node): binds listen_log_endpoint,
// takes 4-part `log-write` messages from any PUSH sender (zeek-zmq or real Zeek), decodes them
// and hands the batches to a LogBatchConsumer (the files, or any other sink). Every byte is
// hostile: a message with the wrong part count, another serializer or a malformed batch is
// counted in zeek_cluster_zeromq_msg_errors_total, reported (escaped, rate-limited) and skipped;
// a batch over log_max_records_per_batch is refused before its records are allocated.
import { decodeLogBatch, LOG_FORMAT, RecordLimitError } from "../codec/zeek-log/index.js";
import { DecodeError } from "../errors.js";
import { printable, quoted, Warnings } from "../printable.js";
import type { Counter, MetricsRegistry } from "../telemetry/registry.js";
import { limitHits, ZeroMqMetrics } from "../telemetry/zeek-metrics.js";
import type { CurveOption } from "../transport/curve-keys.js";
import { Pull } from "../transport/index.js";
import { equalBytes } from "../bytes.js";
import { type LogBatchConsumer, type SerializedBatchChecks, type SerializedBatchConsumer, takesSerialized } from "./consumer.js";

/** Messages taken per event-loop turn, so decoding never starves the sockets (Zeek: poll_max_messages). */
const MAX_PER_TURN = 256;
/** Messages taken from the socket at once (congestion is checked between steps). */
const STEP = 16;
const FORMAT_BYTES = Buffer.from(LOG_FORMAT);

/** log_max_records_per_batch: 100 times Zeek's Log::write_buffer_size (1000), which bounds Zeek's batches. */
export const DEFAULT_MAX_RECORDS_PER_BATCH = 100_000;

export interface LogReceiverOptions {
  /** Where to bind, e.g. "tcp://127.0.0.1:27761" (port 0 picks a free one). */
  endpoint: string;
  /** log_rcvhwm. @default 1000 */
  receiveHighWaterMark?: number;
  /** ipv6 (ZMQ_IPV6). @default true */
  ipv6?: boolean;
  /** CURVE server keys (Zeek: a logger's PULL is a CURVE server when keys are configured). */
  curve?: CurveOption | null;
  /** log_max_records_per_batch: larger batches are refused (counted as a limit hit). @default 100000 */
  maxRecordsPerBatch?: number;
  registry?: MetricsRegistry;
  /** Share the node's msg_errors counter instead of registering one. */
  msgErrors?: Counter;
  report?: (line: string) => void;
}

export class LogReceiver implements SerializedBatchChecks {
  private readonly pull: Pull;
  private readonly msgErrors: { value: number };
  private readonly recordLimitHits: { value: number };
  readonly maxRecords: number;
  private readonly warnings: Warnings;
  private scheduled = false;
  /** The consumer, if it takes serialized batches (then it decodes them itself). */
  private readonly serialized: SerializedBatchConsumer | undefined;
  private boundEndpoint = "";
  /** Messages taken from the socket (including the bad ones). */
  messages = 0;

  constructor(
    private readonly consumer: LogBatchConsumer,
    private readonly opts: LogReceiverOptions,
  ) {
    this.pull = new Pull({
      receiveHighWaterMark: opts.receiveHighWaterMark ?? 1000,
      ipv6: opts.ipv6 ?? true,
      ...(opts.curve ? { curve: opts.curve } : {}),
    });
    this.msgErrors = opts.msgErrors ?? (opts.registry ? new ZeroMqMetrics(opts.registry).msgErrors : { value: 0 });
    this.recordLimitHits = opts.registry ? limitHits(opts.registry, "log_max_records_per_batch") : { value: 0 };
    this.maxRecords = opts.maxRecordsPerBatch ?? DEFAULT_MAX_RECORDS_PER_BATCH;
    this.warnings = new Warnings(opts.report ?? ((line) => void process.stderr.write(line + "\n")));
    this.serialized = takesSerialized(consumer) ? consumer : undefined;
    this.pull.on("readable", this.schedule);
  }

  /** Binds; resolves with the real endpoint (with the chosen port). */
  async start(): Promise<string> {
    this.boundEndpoint = await this.pull.bind(this.opts.endpoint);
    return this.boundEndpoint;
  }

  /** The PULL socket, for its events (accepted, disconnected, readable ...). */
  get socket(): Pull {
    return this.pull;
  }

  get endpoint(): string {
    return this.boundEndpoint;
  }

  /** Count of malformed messages (the msg_errors counter). */
  get errors(): number {
    return this.msgErrors.value;
  }

  private readonly schedule = (): void => {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.drain);
  };

  private readonly drain = (): void => {
    this.scheduled = false;
    // A slow disk: leave messages in the socket so PULL's HWM and then the senders' take the pressure.
    if (this.consumer.congested) {
      this.scheduled = true;
      this.consumer.whenUncongested(this.resume);
      return;
    }
    // A few messages at a time: a consumer that turns congested stops the turn (its queue stays
    // bounded by its limit plus one step, not by MAX_PER_TURN large batches).
    for (let taken = 0; taken < MAX_PER_TURN;) {
      const msgs = this.pull.receiveAvailable(STEP);
      if (msgs.length === 0) return;
      for (let i = 0; i < msgs.length; i++) this.handle(msgs[i]!);
      this.messages += msgs.length;
      taken += msgs.length;
      if (this.consumer.congested) break;
    }
    if (this.pull.pending > 0) this.schedule();
  };

  private readonly resume = (): void => {
    this.scheduled = false;
    this.schedule();
  };

  private bad(kind: string, line: () => string): void {
    this.msgErrors.value++;
    this.warnings.once(kind, () => `logger: ${line()} (counted in zeek_cluster_zeromq_msg_errors_total; further ones are counted silently)`);
  }

  private handle(parts: Buffer[]): void {
    if (parts.length !== 4) {
      this.bad("parts", () => `skipped a message with ${parts.length} parts on ${this.boundEndpoint}; log-write messages have 4`);
      return;
    }
    // Like Zeek, frames 1 and 2 (the "log-write" tag and the sender id) are not inspected.
    if (!equalBytes(parts[2]!, FORMAT_BYTES)) {
      this.bad(`format:${printable(parts[2]!, 64)}`, () => `skipped a log-write in format ${quoted(parts[2]!, 64)} from sender ${quoted(parts[1]!, 120)}; only ${LOG_FORMAT} is understood`);
      return;
    }
    const payload = parts[3]!;
    if (this.serialized !== undefined) {
      this.serialized.writeSerialized(payload, { sender: parts[1]!.toString("latin1"), payloadBytes: payload.length }, this);
      return;
    }
    let batch;
    try {
      batch = decodeLogBatch(payload, { maxRecords: this.maxRecords });
    } catch (err) {
      if (err instanceof RecordLimitError) return this.overLimit(err, parts[1]!.toString("latin1"));
      if (!(err instanceof DecodeError)) throw err;
      return this.malformed(err, parts[1]!.toString("latin1"));
    }
    this.consumer.write(batch, { sender: parts[1]!.toString("latin1"), payloadBytes: payload.length });
  }

  /** A batch the consumer (or this receiver) found malformed: msg_errors, warned once. */
  malformed(err: DecodeError, sender: string): void {
    this.bad("decode", () => `skipped a malformed log-write batch from sender ${quoted(sender, 120)}: ${printable(err.message)}`);
  }

  /** A batch over log_max_records_per_batch: a limit hit, warned once per sender. */
  overLimit(err: RecordLimitError, sender: string): void {
    this.recordLimitHits.value++;
    this.warnings.once(`records:${printable(sender, 120)}`, () => `logger: refused a batch for path ${quoted(err.path, 64)} from sender ${quoted(sender, 120)}: ${err.records} records is more than log_max_records_per_batch=${err.limit}; counted in zeek_zmq_limit_hits_total{reason="log_max_records_per_batch"}`);
  }

  /** Stops receiving: closes the socket after taking and handing on what already arrived. */
  async close(): Promise<void> {
    this.pull.off("readable", this.schedule);
    // Messages already queued in the socket are ours: write them before and after closing.
    this.drainAll();
    await this.pull.close();
    this.drainAll();
    this.warnings.flush();
  }

  private drainAll(): void {
    for (let msgs = this.pull.receiveAvailable(MAX_PER_TURN); msgs.length > 0; msgs = this.pull.receiveAvailable(MAX_PER_TURN)) {
      for (const m of msgs) this.handle(m);
      this.messages += msgs.length;
    }
  }
}
