// A log writer thread (Zeek runs one writer thread per log path): formats serialized batches
// into log lines off the socket thread. It gets payloads (transferred ArrayBuffers, never
// objects) and gives back one transferred buffer of lines per batch; files, limits, metrics and
// the order of records stay with the logger's main thread (writer-pool.ts), which commits the
// results of each path in the order it received the batches.
import { parentPort } from "node:worker_threads";
import { DecodeError } from "../errors.js";
import { printable } from "../printable.js";
import { logFormat, type LogFormat } from "./format/registry.js";
import { ByteSink } from "./sink.js";
import type { FormatJob, FormatResult } from "./writer-pool.js";

const formats = new Map<number, LogFormat>();
const sink = new ByteSink();

function run(job: FormatJob): { result: FormatResult; transfer?: ArrayBuffer } {
  let f = formats.get(job.writer);
  if (f === undefined) {
    if (job.schema === undefined) throw new Error(`writer thread: no schema for writer ${job.writer}`);
    const s = job.schema;
    f = logFormat(s.format).create(s.path, s.fields, s.options);
    formats.set(job.writer, f);
  }
  const payload = new Uint8Array(job.payload);
  let rejects = 0;
  let firstReject = "";
  const mark = sink.mark();
  let n: number;
  try {
    n = f.writeSerialized!(sink, payload, job.offset, job.count, (err) => {
      if (rejects++ === 0) firstReject = printable((err as Error).message);
    }, job.maxBytes);
  } catch (err) {
    sink.rollback(mark);
    if (!(err instanceof DecodeError)) throw err;
    return { result: { id: job.id, written: 0, rejects, firstReject, error: { format: err.format, code: err.code, offset: err.offset, message: err.message } } };
  }
  if (n < 0) {
    sink.rollback(mark);
    return { result: { id: job.id, written: -1, rejects, firstReject } };
  }
  const chunks = sink.take();
  let size = 0;
  for (const c of chunks) size += c.length;
  const out = new Uint8Array(new ArrayBuffer(size));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return { result: { id: job.id, written: n, rejects, firstReject, lines: out.buffer }, transfer: out.buffer };
}

parentPort!.on("message", (jobs: FormatJob[]) => {
  const results: FormatResult[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const job of jobs) {
    const r = run(job);
    results.push(r.result);
    if (r.transfer) transfer.push(r.transfer);
  }
  parentPort!.postMessage(results, transfer);
});
