// The seam between receiving log batches (a PULL socket and the decoder, or a node's own
// streams) and what is done with them (files today; a message stream or worker threads next).
// A receiver knows only this interface; a consumer knows nothing about sockets.
import type { LogBatch } from "../codec/zeek-log/index.js";

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
