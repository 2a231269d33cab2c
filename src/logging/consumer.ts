// The seam between receiving log batches (a PULL socket and the decoder, or a node's own
// streams) and what is done with them (files today; a message stream or worker threads next).
// A receiver knows only this interface; a consumer knows nothing about sockets.
import type { LogBatch, RecordLimitError } from "../codec/zeek-log/index.js";
import type { DecodeError } from "../errors.js";

/** Where a batch came from, for limits, metrics and warnings. */
export interface BatchOrigin {
  /**
   * The sender as it named itself (frame 2 of a log-write message, peer-chosen: print it only
   * through printable()), or "" for the node's own streams.
   */
  readonly sender: string;
  /** Serialized size of the batch; 0 when it was not received from the network (no amplification limit applies). */
  readonly payloadBytes: number;
}

/** The batches of this process's own streams (trusted: no per-byte limits). */
export const LOCAL_ORIGIN: BatchOrigin = Object.freeze({ sender: "", payloadBytes: 0 });

/** What a consumer could not deliver, reported when it closes. */
export interface ConsumerCloseReport {
  /** Bytes of output that never reached their destination. */
  lostBytes: number;
  /** Records in them (already counted as dropped with reason "write-failed"). */
  lostRecords: number;
  /** Open/write failures during the whole run (each error code in a row counts once). */
  failures: number;
}

/**
 * Takes decoded batches. `write` never throws for bad content (it counts, warns and skips);
 * `congested` asks the receiver to stop reading (the sockets' high-water marks then push back to
 * the senders) until `whenUncongested` calls back. Batches of one path must be handled in the
 * order given.
 */
export interface LogBatchConsumer {
  write(batch: LogBatch, origin: BatchOrigin): void;
  readonly congested: boolean;
  whenUncongested(resume: () => void): void;
  /** Delivers everything accepted so far, then stops; resolves with what was lost. */
  shutdown(): Promise<ConsumerCloseReport>;
}

/** What a receiver asks of the serialized batches it hands on, and how it hears about bad ones. */
export interface SerializedBatchChecks {
  /** log_max_records_per_batch: larger batches are refused before their records are read. */
  readonly maxRecords: number;
  /** A malformed batch (counted in msg_errors and warned about by the receiver); `sender` is peer-chosen. */
  malformed(err: DecodeError, sender: string): void;
  /** A batch over `maxRecords` (counted as a limit hit by the receiver). */
  overLimit(err: RecordLimitError, sender: string): void;
}

/**
 * A consumer that takes batches still serialized ("zeek-bin-serializer" payloads) and decodes
 * them itself: it formats straight from the bytes and may do so on another thread. A receiver
 * hands it every payload instead of decoding; errors found later come back through `checks`.
 * The rules of LogBatchConsumer hold (per-path order, `congested`, `shutdown` delivers all).
 */
export interface SerializedBatchConsumer extends LogBatchConsumer {
  writeSerialized(payload: Buffer, origin: BatchOrigin, checks: SerializedBatchChecks): void;
}

/** True if `c` takes serialized batches. */
export function takesSerialized(c: LogBatchConsumer): c is SerializedBatchConsumer {
  return typeof (c as Partial<SerializedBatchConsumer>).writeSerialized === "function";
}
