// The Broker data model (broker::data): the self-describing form of every value Zeek sends in
// events. Tags equal Broker's variant index, which is also the broker-bin-v1 tag byte.

export const Tag = {
  none: 0,
  boolean: 1,
  count: 2,
  integer: 3,
  real: 4,
  string: 5,
  address: 6,
  subnet: 7,
  port: 8,
  timestamp: 9,
  timespan: 10,
  enum: 11,
  set: 12,
  table: 13,
  vector: 14,
} as const;
export type Tag = (typeof Tag)[keyof typeof Tag];

export const PortProtocol = ["unknown", "tcp", "udp", "icmp"] as const;
export type PortProtocol = (typeof PortProtocol)[number];

/**
 * One Broker value. Strings are raw bytes (Zeek strings need not be UTF-8); count and integer
 * are bigint (64-bit lossless); timestamp/timespan are int64 nanoseconds as on the wire;
 * addresses are 16 bytes (IPv4 as v4-mapped); a subnet's `length` is Broker's raw length
 * (prefix + 96 for IPv4).
 */
export type Data =
  | { readonly type: "none" }
  | { readonly type: "boolean"; readonly value: boolean }
  | { readonly type: "count"; readonly value: bigint }
  | { readonly type: "integer"; readonly value: bigint }
  | { readonly type: "real"; readonly value: number }
  | { readonly type: "string"; readonly value: Uint8Array }
  | { readonly type: "address"; readonly value: Uint8Array }
  | { readonly type: "subnet"; readonly address: Uint8Array; readonly length: number }
  | { readonly type: "port"; readonly number: number; readonly protocol: PortProtocol }
  | { readonly type: "timestamp"; readonly value: bigint }
  | { readonly type: "timespan"; readonly value: bigint }
  | { readonly type: "enum-value"; readonly value: string }
  | { readonly type: "set"; readonly value: readonly Data[] }
  | { readonly type: "table"; readonly value: readonly (readonly [Data, Data])[] }
  | { readonly type: "vector"; readonly value: readonly Data[] };

export type DataType = Data["type"];

export const TAG_OF: { readonly [K in DataType]: Tag } = {
  none: Tag.none,
  boolean: Tag.boolean,
  count: Tag.count,
  integer: Tag.integer,
  real: Tag.real,
  string: Tag.string,
  address: Tag.address,
  subnet: Tag.subnet,
  port: Tag.port,
  timestamp: Tag.timestamp,
  timespan: Tag.timespan,
  "enum-value": Tag.enum,
  set: Tag.set,
  table: Tag.table,
  vector: Tag.vector,
};

export const NONE: Data = Object.freeze({ type: "none" });

// Small constructors, so hand-written values read like Broker's own.
export const data = {
  none: (): Data => NONE,
  bool: (value: boolean): Data => ({ type: "boolean", value }),
  count: (value: bigint | number): Data => ({ type: "count", value: BigInt(value) }),
  integer: (value: bigint | number): Data => ({ type: "integer", value: BigInt(value) }),
  real: (value: number): Data => ({ type: "real", value }),
  string: (value: string | Uint8Array): Data => ({ type: "string", value: typeof value === "string" ? Buffer.from(value, "utf8") : value }),
  enum: (value: string): Data => ({ type: "enum-value", value }),
  vector: (value: readonly Data[]): Data => ({ type: "vector", value }),
  set: (value: readonly Data[]): Data => ({ type: "set", value }),
  table: (value: readonly (readonly [Data, Data])[]): Data => ({ type: "table", value }),
};

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function cmp<T extends number | bigint | string | boolean>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareSeq(a: readonly Data[], b: readonly Data[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareData(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * Broker's total order on data (first by tag, then by value), which is the order Zeek's
 * std::set / std::map emit set elements and table keys in.
 */
export function compareData(a: Data, b: Data): number {
  if (a.type !== b.type) return TAG_OF[a.type] - TAG_OF[b.type];
  switch (a.type) {
    case "none":
      return 0;
    case "boolean":
    case "count":
    case "integer":
    case "timestamp":
    case "timespan":
      return cmp(a.value, (b as typeof a).value);
    case "real": {
      // std::less<double>: NaN is unordered; treat it as equal to keep the sort stable.
      const y = (b as typeof a).value;
      return a.value < y ? -1 : a.value > y ? 1 : 0;
    }
    case "enum-value":
      return compareBytes(Buffer.from(a.value, "utf8"), Buffer.from((b as typeof a).value, "utf8"));
    case "string":
    case "address":
      return compareBytes(a.value, (b as typeof a).value);
    case "subnet": {
      const y = b as typeof a;
      return compareBytes(a.address, y.address) || a.length - y.length;
    }
    case "port": {
      const y = b as typeof a;
      return a.number - y.number || PortProtocol.indexOf(a.protocol) - PortProtocol.indexOf(y.protocol);
    }
    case "set":
    case "vector":
      return compareSeq(a.value, (b as typeof a).value);
    case "table": {
      const x = a.value;
      const y = (b as typeof a).value;
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compareData(x[i]![0], y[i]![0]) || compareData(x[i]![1], y[i]![1]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
  }
}

/** Sorts set elements / table entries into Broker's canonical order and drops duplicates. */
export function canonicalSet(elems: readonly Data[]): Data[] {
  const out = [...elems].sort(compareData);
  return out.filter((e, i) => i === 0 || compareData(out[i - 1]!, e) !== 0);
}

export function canonicalTable(entries: readonly (readonly [Data, Data])[]): [Data, Data][] {
  const out = entries.map((e) => [e[0], e[1]] as [Data, Data]).sort((x, y) => compareData(x[0], y[0]));
  return out.filter((e, i) => i === 0 || compareData(out[i - 1]![0], e[0]) !== 0);
}
