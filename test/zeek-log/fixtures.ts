// Shared inputs of the log tests: the real capture's batches and Zeek's golden vector.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseCapture } from "../../src/cli/capture.js";
import { FIXTURES } from "../paths.js";

/** Zeek's own unit-test batch (spec wire.md §4.3), 116 bytes. */
export const GOLDEN_LOG_BATCH = Buffer.from(
  "0000000c4c6f673a3a554e4b4e4f574e" + // "Log::UNKNOWN"
    "000000104c6f673a3a5752495445525f4e4f4e45" + // "Log::WRITER_NONE"
    "0000000764656661756c74" + // "default"
    "000000076d792d70617468" + // "my-path"
    "00000001" + // 1 field
    "00" + "000000027473" + "00000005" + "00000016" + "00" + // ts: time, subtype 22
    "00000002" + // 2 records
    "00000005" + "00000016" + "01" + "3ff0000000000000" + // 1.0
    "00000005" + "00000016" + "01" + "4000000000000000", // 2.0
  "hex",
);

export const LOGS_DIR = resolve(FIXTURES, "logs");

/** The batch (4th part) of every "log-write" message in logs.capture.jsonl, in capture order. */
export function captureLogBatches(): Buffer[] {
  const text = readFileSync(resolve(LOGS_DIR, "logs.capture.jsonl"), "utf8");
  const out: Buffer[] = [];
  for (const m of parseCapture(text)) {
    if (m instanceof Error) throw m;
    if (m.parts[0]?.toString() !== "log-write" || m.parts[2]?.toString() !== "zeek-bin-serializer" || !m.parts[3])
      throw new Error(`line ${m.line}: not a zeek-bin-serializer log-write message`);
    out.push(m.parts[3]);
  }
  return out;
}
