// Zeek's log-write batch codec ("zeek-bin-serializer") and its value model.
export * from "./types.js";
export { decodeLogBatch, decodeLogBatchHeader, decodeLogRecordAt, LOG_FORMAT, RecordLimitError, type DecodeLogOptions, type LogBatchHeader } from "./decode.js";
export { encodeLogBatch } from "./encode.js";
export { formatAddr, parseAddr } from "./addr.js";
