// Value model of Zeek's log-write batches ("zeek-bin-serializer", threading::Field/Value).
// Plain JS values stand for the common case (a Value whose type is what its column implies and
// whose subtype is 0); LogTypedValue keeps anything else exactly, so decode -> encode is
// byte-identical.
import { formatAddr, parseAddr } from "./addr.js";

/** Zeek's TypeTag numbers (src/Type.h), keyed by the names Zeek prints in `#types`. */
export const TypeTag = {
  void: 0,
  bool: 1,
  int: 2,
  count: 3,
  double: 4,
  time: 5,
  interval: 6,
  string: 7,
  pattern: 8,
  enum: 9,
  port: 10,
  addr: 11,
  subnet: 12,
  any: 13,
  table: 14,
  record: 15,
  list: 16,
  func: 17,
  file: 18,
  vector: 19,
  opaque: 20,
  type: 21,
  error: 22,
} as const;
export type TypeTagName = keyof typeof TypeTag;
/** A TypeTag number; the wire carries any int32, so this is not narrowed to the known tags. */
export type TypeTagValue = number;

const TAG_NAMES: string[] = [];
for (const [k, v] of Object.entries(TypeTag)) TAG_NAMES[v] = k;
/** Zeek's name of a tag ("count", "table", ...), or `type<N>` for unknown numbers. */
export function typeTagName(tag: number): string {
  return TAG_NAMES[tag] ?? `type${tag}`;
}

/** Transport protocol of a port (TransportProto): the only values the wire allows. */
export const TransportProto = { unknown: 0, tcp: 1, udp: 2, icmp: 3 } as const;
export type TransportProtoName = keyof typeof TransportProto;

/** A log column (threading::Field). */
export interface LogField {
  name: string;
  type: TypeTagValue;
  /** Element type for set/vector columns, 0 (void) otherwise. */
  subtype: TypeTagValue;
  optional: boolean;
  /** Only the input framework sets this; logging never does. */
  secondaryName?: string;
}

/** One log-write batch: the records of one writer frontend (stream, writer, filter, path). */
export interface LogBatch {
  /** Log::ID enum name, e.g. "Conn::LOG". */
  stream: string;
  /** Log::Writer enum name, e.g. "Log::WRITER_ASCII". */
  writer: string;
  filter: string;
  path: string;
  fields: LogField[];
  /** Row-major: records[i][j] is the value of fields[j]. */
  records: LogValue[][];
}

/** An IPv4 or IPv6 address; `bytes` is in network order (4 or 16 bytes). */
export class LogAddr {
  constructor(
    readonly family: 4 | 6,
    readonly bytes: Uint8Array,
  ) {}

  /** Parses dotted IPv4 or IPv6 text; an IPv6 text (containing ':') always yields family 6. */
  static parse(text: string): LogAddr {
    const b = parseAddr(text);
    return new LogAddr(b.length === 4 ? 4 : 6, b);
  }

  /** inet_ntop rendering, as Zeek's writers print it. */
  toString(): string {
    return formatAddr(this.bytes);
  }
}

/**
 * A subnet. `prefixLength` is the length users know (8 in 10.0.0.0/8); on the wire an IPv4
 * length is stored IPv6-relative (+96). Hostile wire lengths keep their exact value here, so an
 * IPv4 prefixLength may be negative or above 32.
 */
export class LogSubnet {
  constructor(
    readonly prefix: LogAddr,
    readonly prefixLength: number,
  ) {}

  /** Parses "10.0.0.0/8" or "2001:db8::/32". */
  static parse(text: string): LogSubnet {
    const slash = text.lastIndexOf("/");
    const len = slash < 0 ? NaN : Number(text.slice(slash + 1));
    if (!Number.isInteger(len) || len < 0) throw new TypeError(`not a subnet: ${JSON.stringify(text)}`);
    return new LogSubnet(LogAddr.parse(text.slice(0, slash)), len);
  }

  toString(): string {
    return `${this.prefix.toString()}/${this.prefixLength}`;
  }
}

/** A port number with its transport protocol (0 unknown, 1 tcp, 2 udp, 3 icmp). */
export class LogPort {
  constructor(
    readonly port: number,
    readonly proto: number,
  ) {}

  static of(port: number, proto: TransportProtoName): LogPort {
    return new LogPort(port, TransportProto[proto]);
  }

  toString(): string {
    const name = (["unknown", "tcp", "udp", "icmp"] as const)[this.proto] ?? "unknown";
    return `${this.port}/${name}`;
  }
}

/**
 * A Value whose type or subtype is not what its position implies (golden vector's subtype 22,
 * a count in a string column, a bool stored as int64 255, ...). `value` is null for an unset
 * Value; for bool it may be the raw int64 as a bigint.
 */
export class LogTypedValue {
  constructor(
    readonly type: TypeTagValue,
    readonly subtype: TypeTagValue,
    readonly value: LogValue,
  ) {}
}

/**
 * A log value. The column's type (or, for container elements, the column's subtype) gives the
 * meaning of a plain value:
 * - null: unset (optional field not set)
 * - boolean: bool
 * - bigint: int, count (number accepted when encoding, if a safe integer)
 * - number: double, time, interval (seconds)
 * - Uint8Array: string, enum, file, func as raw bytes (decoded values alias the input buffer);
 *   a JS string is accepted when encoding/formatting and written as UTF-8
 * - LogAddr / LogSubnet / LogPort (addr/subnet text accepted when encoding/formatting)
 * - LogValue[]: set (table) or vector elements; a column's container holds elements of the
 *   column's subtype, containers nested deeper hold only LogTypedValues
 * - LogTypedValue: explicit type/subtype, for anything else
 */
export type LogValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | LogAddr
  | LogSubnet
  | LogPort
  | LogTypedValue
  | LogValue[];
