// Remote logging: node-side streams and PUSH sender, logger-side PULL receiver and file writers.
export { LogWriterManager, WRITER_ASCII, nextRotationDelay, type LogWriterManagerOptions } from "./manager.js";
export { LogReceiver, type LogReceiverOptions } from "./receiver.js";
export { LogSender, checkLogEndpoints, type LogSenderOptions } from "./sender.js";
export { Log, LogStream, defaultPath, type LogBatchSink, type LogFilterSpec, type LogOptions, type LogStreamSpec } from "./stream.js";
export { LoggerMetrics, LogSenderMetrics, type DropReason } from "./metrics.js";
export type { LogFormatName, RotatedFile } from "./path-writer.js";
