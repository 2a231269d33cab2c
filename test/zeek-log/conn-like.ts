// Generator of conn.log-like batches (20 columns) for the codec benchmark and tests.
// Deterministic: the same n gives the same batch.
import { LogAddr, LogPort, TypeTag, type LogBatch, type LogField, type LogValue } from "../../src/codec/zeek-log/index.js";

const COLUMNS: [string, number, boolean?][] = [
  ["ts", TypeTag.time],
  ["uid", TypeTag.string],
  ["id.orig_h", TypeTag.addr],
  ["id.orig_p", TypeTag.port],
  ["id.resp_h", TypeTag.addr],
  ["id.resp_p", TypeTag.port],
  ["proto", TypeTag.enum],
  ["service", TypeTag.string, true],
  ["duration", TypeTag.interval, true],
  ["orig_bytes", TypeTag.count, true],
  ["resp_bytes", TypeTag.count, true],
  ["conn_state", TypeTag.string, true],
  ["local_orig", TypeTag.bool, true],
  ["local_resp", TypeTag.bool, true],
  ["missed_bytes", TypeTag.count, true],
  ["history", TypeTag.string, true],
  ["orig_pkts", TypeTag.count, true],
  ["orig_ip_bytes", TypeTag.count, true],
  ["resp_pkts", TypeTag.count, true],
  ["resp_ip_bytes", TypeTag.count, true],
];

const enc = new TextEncoder();
const UID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const STATES = ["SF", "S0", "REJ", "RSTO", "OTH"].map((s) => enc.encode(s));
const SERVICES = ["dns", "http", "ssl", ""].map((s) => enc.encode(s));
const PROTOS = ["tcp", "udp", "icmp"].map((s) => enc.encode(s));

/** A Conn::LOG-like batch of n records: mixed v4/v6 addresses, some unset fields. */
export function makeConnLikeBatch(n: number): LogBatch {
  const fields: LogField[] = COLUMNS.map(([name, type, optional]) => ({ name, type, subtype: 0, optional: optional === true }));
  let seed = 0x2545f491;
  const rnd = (m: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % m;
  };
  const records: LogValue[][] = [];
  for (let i = 0; i < n; i++) {
    let uid = "C";
    for (let k = 0; k < 17; k++) uid += UID_CHARS[rnd(UID_CHARS.length)];
    const v6 = i % 5 === 0;
    const addr = (): LogAddr =>
      v6
        ? new LogAddr(6, Uint8Array.from({ length: 16 }, (_, j) => (j < 2 ? [0xfe, 0x80][j]! : j > 8 ? rnd(256) : 0)))
        : new LogAddr(4, Uint8Array.of(10, rnd(256), rnd(256), rnd(256)));
    const proto = rnd(3);
    const done = i % 7 !== 0; // some connections without duration/bytes
    const origBytes = BigInt(rnd(100000));
    const respBytes = BigInt(rnd(10_000_000));
    records.push([
      1700000000 + i * 0.0137,
      enc.encode(uid),
      addr(),
      new LogPort(1024 + rnd(60000), proto + 1),
      addr(),
      new LogPort([53, 80, 443][rnd(3)]!, proto + 1),
      PROTOS[proto]!,
      SERVICES[rnd(SERVICES.length)]!.length ? SERVICES[rnd(3)]! : null,
      done ? rnd(1_000_000) / 1e6 : null,
      done ? origBytes : null,
      done ? respBytes : null,
      STATES[rnd(STATES.length)]!,
      rnd(2) === 1,
      rnd(2) === 1,
      0n,
      enc.encode("ShADadFf".slice(0, 1 + rnd(8))),
      BigInt(rnd(1000)),
      origBytes + 40n,
      BigInt(rnd(1000)),
      respBytes + 40n,
    ]);
  }
  return { stream: "Conn::LOG", writer: "Log::WRITER_ASCII", filter: "default", path: "conn", fields, records };
}
