// Remote logging: node-side streams and PUSH sender, logger-side PULL receiver, the consumer seam
// between them and the file sink with its formats.
export { type BatchOrigin, type ConsumerCloseReport, type LogBatchConsumer, LOCAL_ORIGIN } from "./consumer.js";
export { LogWriterManager, LOG_LIMIT_DEFAULTS, WRITER_ASCII, nextRotationDelay, type LogWriterManagerOptions } from "./manager.js";
export { DEFAULT_MAX_RECORDS_PER_BATCH, LogReceiver, type LogReceiverOptions } from "./receiver.js";
export { LogSender, type LogSenderOptions } from "./sender.js";
export { Log, LogStream, defaultPath, type LogBatchSink, type LogFilterSpec, type LogOptions, type LogStreamSpec } from "./stream.js";
export { LoggerMetrics, LogSenderMetrics, type DropReason } from "./metrics.js";
export { logFormat, logFormatNames, registerLogFormat, type LogFormat, type LogFormatFactory, type LogFormatOptions } from "./format/registry.js";
export { openFilesCap, softFileLimit } from "./open-files.js";
export { NatsLogSink, NATS_SINK_DEFAULTS, type NatsLogSinkOptions } from "./sinks/nats.js";
export type { RotatedFile } from "./path-writer.js";
