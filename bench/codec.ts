// `npm run bench -- codec`: single-core encode/decode throughput of the wire codecs.
//  - a representative event bench(s: string, c: count, a: addr, t: time), typed and self-describing;
//  - a 100-record batch of a 20-column conn-like log (zeek-bin-serializer).
import { decodeEvent } from "../src/codec/broker/event.js";
import { defineEvent } from "../src/codec/broker/typed.js";
import { z } from "../src/codec/broker/types.js";
import { ByteWriter } from "../src/codec/writer.js";
import { decodeLogBatch, encodeLogBatch } from "../src/codec/zeek-log/index.js";
import { makeConnLikeBatch } from "../test/zeek-log/conn-like.js";
import { median, rate, report } from "./harness.js";

const ROUNDS = 7;

/** Ops/s of `fn` over `n` iterations, as the median of ROUNDS timed rounds (after a warm-up). */
function measure(n: number, fn: () => void): number {
  for (let i = 0; i < n / 4; i++) fn();
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    rates.push(rate(n, t0));
  }
  return median(rates);
}

export async function main(): Promise<void> {
  const bench = defineEvent("bench", [z.string, z.count, z.addr, z.time], ["s", "c", "a", "t"]);
  const args: [string, bigint, string, number] = ["zeek.cluster.worker-1", 123456n, "192.168.1.100", 1700000000.123456];
  const payload = bench.encode(args);
  let sink: unknown;

  const eventDecode = measure(1_000_000, () => {
    sink = bench.decode(payload);
  });
  const eventDecodeGeneric = measure(500_000, () => {
    sink = decodeEvent(payload);
  });
  const w = new ByteWriter(256);
  const eventEncodeReuse = measure(1_000_000, () => {
    w.reset();
    bench.write(w, args);
  });
  const eventEncode = measure(1_000_000, () => {
    sink = bench.encode(args);
  });

  const batch = makeConnLikeBatch(100);
  const bytes = encodeLogBatch(batch);
  const logDecode = 100 * measure(10_000, () => {
    sink = decodeLogBatch(bytes);
  });
  const logEncode = 100 * measure(10_000, () => {
    sink = encodeLogBatch(batch);
  });
  void sink;

  report([
    ["event payload bytes", payload.length],
    ["event decode, typed (events/s)", eventDecode],
    ["event decode, self-describing Data (events/s)", eventDecodeGeneric],
    ["event encode into a reused buffer (events/s)", eventEncodeReuse],
    ["event encode to a new Buffer (events/s)", eventEncode],
    ["log batch bytes (100 records)", bytes.length],
    ["log decode (records/s)", logDecode],
    ["log encode (records/s)", logEncode],
  ]);
  console.log(
    `RESULT codec event_decode=${Math.round(eventDecode)} event_encode=${Math.round(eventEncode)} log_decode=${Math.round(logDecode)} log_encode=${Math.round(logEncode)}`,
  );
}
