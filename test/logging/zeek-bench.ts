// The real Zeek 8.2.2 batches at benchmark volume (fixtures/zeek-8.2.2/logs-bench/, stored gzipped):
// 22 log-write messages, 20 of them 1,000-record batches of the 20-column `zperf_conn` log.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { parseCapture } from "../../src/cli/capture.js";
import { FIXTURES } from "../paths.js";

export const ZEEK_BENCH_CAPTURE = resolve(FIXTURES, "logs-bench/zperf.capture.jsonl.gz");

/** Every log-write message of the capture as its 4 parts, in capture order. */
export function zeekBenchMessages(): Buffer[][] {
  const out: Buffer[][] = [];
  for (const m of parseCapture(gunzipSync(readFileSync(ZEEK_BENCH_CAPTURE)).toString("utf8"))) {
    if (m instanceof Error) throw m;
    out.push(m.parts);
  }
  return out;
}

/** The batches (4th parts) of the capture. */
export function zeekBenchBatches(): Buffer[] {
  return zeekBenchMessages().map((p) => p[3]!);
}
