// Fuzz targets of the log layer: the zeek-bin-serializer batch decoder, seeded with every batch
// of the real capture and Zeek's golden vector; and the properties every accepted batch must
// have (byte-identical re-encode, formattable as JSON and ASCII lines).
import { decodeLogBatch, encodeLogBatch } from "../../src/codec/zeek-log/index.js";
import { AsciiLogFormat } from "../../src/logging/format/ascii.js";
import { formatJsonLogRecord } from "../../src/logging/format/json.js";
import { captureLogBatches, GOLDEN_LOG_BATCH } from "../zeek-log/fixtures.js";
import type { FuzzTarget } from "./harness.js";

const seeds = (): Uint8Array[] => [...captureLogBatches(), GOLDEN_LOG_BATCH];
const ascii = new AsciiLogFormat();

export const logTargets: FuzzTarget[] = [
  {
    name: "zeek-bin-serializer log batch",
    seeds,
    decode: (input) => decodeLogBatch(input),
  },
  {
    name: "zeek-bin-serializer round trip + JSON/ASCII lines",
    seeds,
    decode: (input) => {
      const b = decodeLogBatch(input);
      if (Buffer.compare(encodeLogBatch(b), input) !== 0) throw new Error("re-encode differs from the accepted input");
      for (const r of b.records) {
        formatJsonLogRecord(b.fields, r, [["_path", b.path]]);
        ascii.record(b.fields, r);
      }
      return b;
    },
  },
];
