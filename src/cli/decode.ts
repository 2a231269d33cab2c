// `zeek-zmq decode`: raw ZeroMQ messages (a capture, or one payload file) -> one JSON line each.
// Events print as Zeek's WebSocket API renders them; log batches print one line per record as
// Zeek's JSON log writer would, with a leading "_path".
import { readFileSync } from "node:fs";
import { decodeData, FORMAT as BIN_FORMAT } from "../codec/broker/bin.js";
import { dataMessageText, dataToJsonText, decodeJsonData, FORMAT as JSON_FORMAT, quoteBytes } from "../codec/broker/json.js";
import type { Data } from "../codec/broker/data.js";
import { decodeLogBatch, LOG_FORMAT, type LogBatch } from "../codec/zeek-log/index.js";
import { ConfigError, DecodeError } from "../errors.js";
import { asciiTypeName } from "../logging/format/ascii.js";
import { formatJsonLogRecord } from "../logging/format/json.js";
import { parseCommand, runCommand, stderrLine, stdoutLine, UsageError, type Print } from "./args.js";
import { parseCapture, type CapturedMessage } from "./capture.js";

export const DECODE_USAGE = `usage: zeek-zmq decode [--subscriptions] [--header] CAPTURE.jsonl|-
       zeek-zmq decode --format broker-bin-v1|broker-json-v1|zeek-bin-serializer [--header] PAYLOAD|-

Prints one JSON line per message of a capture ({"socket":"xsub"|"xpub"|"pull","parts":[hex...]}
per line) or of a single raw payload file:
  events       {"type":"data-message","topic":...,"@data-type":"vector","data":[...]}
  log batches  one line per record, as Zeek's JSON log writer, with a leading "_path" key
  --header        also print each log batch's header line before its records
  --subscriptions also print (un)subscriptions: {"type":"subscription","topic":...}
Bad messages are reported on stderr with their line number; the rest is still decoded and the
exit status is 1.`;

const EVENT_FORMATS = new Set([BIN_FORMAT, JSON_FORMAT]);

function decodeEventPayload(format: string, payload: Uint8Array): Data {
  if (format === BIN_FORMAT) return decodeData(payload);
  if (format === JSON_FORMAT) return decodeJsonData(payload);
  throw new DecodeError("message", "invalid", 0, `unknown event format ${JSON.stringify(format)} (expected ${BIN_FORMAT} or ${JSON_FORMAT})`);
}

function headerLine(b: LogBatch, sender?: Uint8Array): string {
  const fields = b.fields.map((f) => `{"name":${JSON.stringify(f.name)},"type":${JSON.stringify(asciiTypeName(f))},"optional":${f.optional}}`);
  return (
    `{"type":"log-batch","stream":${JSON.stringify(b.stream)},"writer":${JSON.stringify(b.writer)},"filter":${JSON.stringify(b.filter)},` +
    `"path":${JSON.stringify(b.path)},${sender === undefined ? "" : `"sender":${quoteBytes(sender, "print")},`}"records":${b.records.length},"fields":[${fields.join(",")}]}`
  );
}

function logLines(b: LogBatch, header: boolean, sender?: Uint8Array): string[] {
  const out = header ? [headerLine(b, sender)] : [];
  for (const r of b.records) out.push(formatJsonLogRecord(b.fields, r, [["_path", b.path]]));
  return out;
}

/** The lines one captured message prints as; throws DecodeError for a bad message. */
export function renderCaptured(m: CapturedMessage, opts: { header: boolean; subscriptions: boolean }): string[] {
  const p = m.parts;
  if (m.socket === "xpub") {
    if (p.length !== 1) throw new DecodeError("message", "invalid", 0, `(un)subscription must have 1 part, got ${p.length}`);
    const kind = p[0]![0];
    if (kind !== 0 && kind !== 1) throw new DecodeError("message", "bad-tag", 0, `(un)subscription must start with 0x00 or 0x01, got ${kind}`);
    if (!opts.subscriptions) return [];
    return [`{"type":"${kind === 1 ? "subscription" : "unsubscription"}","topic":${quoteBytes(p[0]!.subarray(1), "print")}}`];
  }
  if (p.length !== 4) throw new DecodeError("message", "invalid", 0, `expected 4 parts (topic, sender, format, payload), got ${p.length}`);
  const format = p[2]!.toString("latin1");
  if (m.socket === "pull" || format === LOG_FORMAT) {
    if (format !== LOG_FORMAT) throw new DecodeError("message", "invalid", 0, `log-write message in format ${JSON.stringify(format)}, expected ${LOG_FORMAT}`);
    return logLines(decodeLogBatch(p[3]!), opts.header, p[1]!);
  }
  return [dataMessageText(p[0]!.toString("utf8"), decodeEventPayload(format, p[3]!))];
}

function readInput(path: string): Buffer {
  return path === "-" ? readFileSync(0) : readFileSync(path);
}

export function runDecode(argv: string[], out: Print = stdoutLine, err: Print = stderrLine): Promise<number> {
  return runCommand("decode", err, async () => {
    const args = parseCommand(argv, { format: { type: "string" }, header: { type: "boolean" }, subscriptions: { type: "boolean" } }, true);
    if (args.flag("help")) {
      out(DECODE_USAGE);
      return 0;
    }
    if (args.positionals.length !== 1) throw new UsageError(`one CAPTURE or PAYLOAD file (or - for stdin) is required, got ${args.positionals.length}`);
    const format = args.string("format");
    if (format !== undefined && !EVENT_FORMATS.has(format) && format !== LOG_FORMAT)
      throw new UsageError(`--format must be ${BIN_FORMAT}, ${JSON_FORMAT} or ${LOG_FORMAT}, got ${JSON.stringify(format)}`);
    return decodeFile(args.positionals[0]!, format, { header: args.flag("header"), subscriptions: args.flag("subscriptions") }, out, err);
  });
}

function decodeFile(path: string, format: string | undefined, opts: { header: boolean; subscriptions: boolean }, out: Print, err: Print): number {
  let input: Buffer;
  try {
    input = readInput(path);
  } catch (e) {
    throw new ConfigError("input", `cannot read ${path}: ${(e as Error).message}`);
  }
  if (format !== undefined) {
    const f = format;
    try {
      const lines = f === LOG_FORMAT ? logLines(decodeLogBatch(input), opts.header) : [dataToJsonText(decodeEventPayload(f, input))];
      for (const l of lines) out(l);
      return 0;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      err(`zeek-zmq decode: ${path}: ${e.message}`);
      return 1;
    }
  }
  let bad = 0;
  for (const m of parseCapture(input.toString("utf8"))) {
    if (m instanceof Error) {
      err(`zeek-zmq decode: ${path}:${m.line}: ${m.detail}`);
      bad++;
      continue;
    }
    try {
      for (const l of renderCaptured(m, opts)) out(l);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      err(`zeek-zmq decode: ${path}:${m.line}: ${e.message}`);
      bad++;
    }
  }
  return bad ? 1 : 0;
}
