// Shared by the log line formatters: resolving a LogValue to the Zeek type it is rendered as.
import { EncodeError } from "../../errors.js";
import { LogAddr, LogSubnet, LogTypedValue, type LogValue } from "../../codec/zeek-log/index.js";

const textEncoder = new TextEncoder();

/** The bytes of a string-like value (JS strings are taken as UTF-8). */
export function bytesOf(v: LogValue, path: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") return textEncoder.encode(v);
  throw new EncodeError(path, `expected bytes or a string, got ${kindOf(v)}`);
}

export function kindOf(v: LogValue): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (v instanceof Uint8Array) return "bytes";
  if (typeof v === "object") return v.constructor.name;
  return typeof v;
}

/** Zeek's int_val of a bool (writers print T / true for any non-zero). */
export function boolOf(v: LogValue, path: string): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "bigint") return v !== 0n;
  throw new EncodeError(path, `bool must be a boolean, got ${kindOf(v)}`);
}

export function integerText(v: LogValue, path: string): string {
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" && Number.isSafeInteger(v)) return String(v);
  throw new EncodeError(path, `expected a bigint, got ${kindOf(v)}`);
}

export function numberOf(v: LogValue, path: string): number {
  if (typeof v === "number") return v;
  throw new EncodeError(path, `expected a number, got ${kindOf(v)}`);
}

export function addrText(v: LogValue, path: string): string {
  if (v instanceof LogAddr) return v.toString();
  if (typeof v === "string") return wrapParse(() => LogAddr.parse(v).toString(), path);
  throw new EncodeError(path, `addr must be a LogAddr or address text, got ${kindOf(v)}`);
}

export function subnetText(v: LogValue, path: string): string {
  if (v instanceof LogSubnet) return v.toString();
  if (typeof v === "string") return wrapParse(() => LogSubnet.parse(v).toString(), path);
  throw new EncodeError(path, `subnet must be a LogSubnet or "addr/len" text, got ${kindOf(v)}`);
}

function wrapParse(f: () => string, path: string): string {
  try {
    return f();
  } catch (e) {
    throw new EncodeError(path, (e as Error).message);
  }
}

/** The type a value is rendered as: a LogTypedValue's own, else the one its position implies. */
export function typeOf(v: LogValue, expect: number): number {
  return v instanceof LogTypedValue ? v.type : expect;
}
/** The payload of a LogTypedValue, or the value itself. */
export function inner(v: LogValue): LogValue {
  return v instanceof LogTypedValue ? v.value : v;
}
