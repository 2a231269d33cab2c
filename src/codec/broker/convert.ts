// Signature-driven conversion between JS values and Broker data, so that a JS value goes out as
// exactly the wire type Zeek expects for the declared Zeek type (toData / writeTyped) and comes
// back typed (fromData). Sets and tables go through Data because Zeek sends them in Broker's
// canonical order.
import { DecodeError, EncodeError } from "../../errors.js";
import { formatAddress, maskAddress, parseAddress } from "../addr.js";
import { decodeZeekString, encodeZeekString, hasEscapedBytes } from "../text.js";
import type { ByteWriter } from "../writer.js";
import { writeData, writeReal, writeBytes, writeString, writeVarbyte } from "./bin.js";
import { canonicalSet, canonicalTable, PortProtocol, Tag, type Data } from "./data.js";
import { typeName, type RecordField, type ZType } from "./types.js";

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

function bad(path: string, t: ZType, v: unknown, why = ""): never {
  const shown = typeof v === "bigint" ? `${v}n` : typeof v === "string" ? JSON.stringify(v.slice(0, 60)) : String(v);
  throw new EncodeError(path, `cannot encode ${shown} as ${typeName(t)}${why ? ": " + why : ""}`);
}

function toBigInt(t: ZType, v: unknown, path: string, lo: bigint, hi: bigint): bigint {
  let b: bigint;
  if (typeof v === "bigint") b = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) b = BigInt(v);
  else return bad(path, t, v, "expected a bigint or a safe integer");
  if (b < lo || b > hi) bad(path, t, v, "out of range");
  return b;
}

/**
 * Seconds (number or Date) -> int64 ns as an integer-valued double, truncated toward zero like
 * Zeek's double->timespan cast (C++ computes the same double product).
 */
export function nanos(t: ZType, v: unknown, path: string): number {
  const s = v instanceof Date ? v.getTime() / 1000 : v;
  if (typeof s !== "number" || !Number.isFinite(s)) return bad(path, t, v, "expected finite seconds");
  const ns = Math.trunc(s * 1e9);
  if (ns < -9223372036854775808 || ns >= 9223372036854775808) bad(path, t, v, "out of the int64 nanosecond range");
  return ns;
}

export function toNanos(t: ZType, v: unknown, path: string): bigint {
  return BigInt(nanos(t, v, path));
}

function toAddress(t: ZType, v: unknown, path: string): Uint8Array {
  const a = typeof v === "string" ? parseAddress(v) : undefined;
  return a ?? bad(path, t, v, "expected IPv4 or IPv6 text");
}

function toSubnet(t: ZType, v: unknown, path: string): Data {
  if (typeof v !== "string") return bad(path, t, v, 'expected "addr/len"');
  const slash = v.lastIndexOf("/");
  const a = slash > 0 ? parseAddress(v.slice(0, slash)) : undefined;
  const len = /^\d{1,3}$/.test(v.slice(slash + 1)) ? Number(v.slice(slash + 1)) : -1;
  const raw = v.slice(0, slash).includes(":") ? len : len + 96;
  if (!a || len < 0 || raw > 128) return bad(path, t, v, 'expected "addr/len"');
  return { type: "subnet", address: maskAddress(a, raw), length: raw };
}

function toPort(t: ZType, v: unknown, path: string): { number: number; protocol: number } {
  const m = typeof v === "string" ? /^(\d{1,5})\/(tcp|udp|icmp|unknown)$/.exec(v) : null;
  const number = m ? Number(m[1]) : -1;
  if (!m || number > 65535) return bad(path, t, v, 'expected "<0-65535>/<tcp|udp|icmp|unknown>"');
  return { number, protocol: PortProtocol.indexOf(m[2] as PortProtocol) };
}

function toBytes(t: ZType, v: unknown, path: string): Uint8Array {
  if (typeof v === "string") return encodeZeekString(v);
  if (v instanceof Uint8Array) return v;
  return bad(path, t, v, "expected a string or Uint8Array");
}

function indexToData(index: readonly ZType[], k: unknown, path: string): Data {
  if (index.length === 1) return toData(index[0]!, k, path);
  if (!Array.isArray(k) || k.length !== index.length) return bad(path, { kind: "set", index }, k, `expected a ${index.length}-tuple key`);
  return { type: "vector", value: index.map((t, i) => toData(t, k[i], `${path}[${i}]`)) };
}

/** Converts a JS value of Zeek type `t` to Broker data. */
export function toData(t: ZType, v: unknown, path = "value"): Data {
  switch (t.kind) {
    case "bool":
      if (typeof v !== "boolean") return bad(path, t, v);
      return { type: "boolean", value: v };
    case "int":
      return { type: "integer", value: toBigInt(t, v, path, I64_MIN, I64_MAX) };
    case "count":
      return { type: "count", value: toBigInt(t, v, path, 0n, U64_MAX) };
    case "double":
      if (typeof v !== "number") return bad(path, t, v);
      return { type: "real", value: v };
    case "time":
      return { type: "timestamp", value: toNanos(t, v, path) };
    case "interval":
      return { type: "timespan", value: toNanos(t, v, path) };
    case "string":
    case "bytes":
      return { type: "string", value: toBytes(t, v, path) };
    case "addr":
      return { type: "address", value: toAddress(t, v, path) };
    case "subnet":
      return toSubnet(t, v, path);
    case "port": {
      const p = toPort(t, v, path);
      return { type: "port", number: p.number, protocol: PortProtocol[p.protocol]! };
    }
    case "enum":
      if (typeof v !== "string" || v === "") return bad(path, t, v, "expected the enum's name");
      return { type: "enum-value", value: v };
    case "pattern": {
      const p = v as { exact?: unknown; anywhere?: unknown } | null;
      if (typeof p !== "object" || p === null || typeof p.exact !== "string" || typeof p.anywhere !== "string") return bad(path, t, v, "expected { exact, anywhere }");
      return { type: "vector", value: [{ type: "string", value: Buffer.from(p.exact) }, { type: "string", value: Buffer.from(p.anywhere) }] };
    }
    case "any":
      if (typeof v !== "object" || v === null || typeof (v as { type?: unknown }).type !== "string") return bad(path, t, v, "expected Broker Data");
      return v as Data;
    case "set": {
      if (!Array.isArray(v) && !(v instanceof Set)) return bad(path, t, v, "expected an array or Set");
      return { type: "set", value: canonicalSet([...v].map((e, i) => indexToData(t.index, e, `${path}[${i}]`))) };
    }
    case "table": {
      if (!(v instanceof Map)) return bad(path, t, v, "expected a Map");
      const entries: [Data, Data][] = [];
      for (const [k, x] of v) entries.push([indexToData(t.index, k, `${path}.key`), toData(t.yield, x, `${path}.value`)]);
      return { type: "table", value: canonicalTable(entries) };
    }
    case "vector":
      if (!Array.isArray(v)) return bad(path, t, v, "expected an array");
      return { type: "vector", value: v.map((e, i) => toData(t.of, e, `${path}[${i}]`)) };
    case "record":
      return { type: "vector", value: recordFields(t.fields, v, path).map(([f, x]) => (x === undefined ? { type: "none" } : toData(f.type, x, `${path}.${f.name}`))) };
  }
}

function recordFields(fields: readonly RecordField[], v: unknown, path: string): [RecordField, unknown][] {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new EncodeError(path, "expected an object for a record");
  const o = v as Record<string, unknown>;
  return fields.map((f) => {
    const x = o[f.name] ?? undefined;
    if (x === undefined && !f.optional) throw new EncodeError(`${path}.${f.name}`, "missing value for a field that is not &optional");
    return [f, x];
  });
}

/** Writes a JS value of Zeek type `t` as broker-bin-v1 (no intermediate Data for scalars). */
export function writeTyped(w: ByteWriter, t: ZType, v: unknown, path: string): void {
  switch (t.kind) {
    case "bool":
      if (typeof v !== "boolean") bad(path, t, v);
      w.u8(Tag.boolean);
      w.u8(v ? 1 : 0);
      return;
    case "count":
      if (typeof v === "number" && v >= 0 && Number.isSafeInteger(v)) {
        w.u8(Tag.count);
        w.u64n(v);
        return;
      }
      w.u8(Tag.count);
      w.u64(toBigInt(t, v, path, 0n, U64_MAX));
      return;
    case "int":
      w.u8(Tag.integer);
      w.i64(toBigInt(t, v, path, I64_MIN, I64_MAX));
      return;
    case "double":
      if (typeof v !== "number") bad(path, t, v);
      w.u8(Tag.real);
      writeReal(w, v);
      return;
    case "time":
    case "interval":
      w.u8(t.kind === "time" ? Tag.timestamp : Tag.timespan);
      w.i64n(nanos(t, v, path));
      return;
    case "string":
      if (typeof v === "string" && !hasEscapedBytes(v)) {
        w.u8(Tag.string);
        writeString(w, v);
        return;
      }
      w.u8(Tag.string);
      writeBytes(w, toBytes(t, v, path));
      return;
    case "addr":
      w.u8(Tag.address);
      w.bytes(toAddress(t, v, path));
      return;
    case "port": {
      const p = toPort(t, v, path);
      w.u8(Tag.port);
      w.u16(p.number);
      w.u8(p.protocol);
      return;
    }
    case "enum":
      if (typeof v !== "string" || v === "") bad(path, t, v, "expected the enum's name");
      w.u8(Tag.enum);
      writeString(w, v);
      return;
    case "vector":
      if (!Array.isArray(v)) bad(path, t, v, "expected an array");
      w.u8(Tag.vector);
      writeVarbyte(w, v.length);
      for (let i = 0; i < v.length; i++) writeTyped(w, t.of, v[i], `${path}[${i}]`);
      return;
    case "record": {
      const fields = recordFields(t.fields, v, path);
      w.u8(Tag.vector);
      writeVarbyte(w, fields.length);
      for (const [f, x] of fields) {
        if (x === undefined) w.u8(Tag.none);
        else writeTyped(w, f.type, x, `${path}.${f.name}`);
      }
      return;
    }
    default:
      writeData(w, toData(t, v, path), path);
  }
}

function dataMismatch(t: ZType, d: Data, path: string): never {
  throw new DecodeError("broker-bin-v1", "bad-tag", 0, `${path}: expected ${typeName(t)}, got ${d.type}`);
}

export function addrText(a: Uint8Array): string {
  return formatAddress(a);
}

/** Converts Broker data to the JS value of Zeek type `t` (Zeek's data_to_val rules). */
export function fromData(t: ZType, d: Data, path = "value"): unknown {
  switch (t.kind) {
    case "bool":
      return d.type === "boolean" ? d.value : dataMismatch(t, d, path);
    case "int":
      return d.type === "integer" ? d.value : dataMismatch(t, d, path);
    case "count":
      return d.type === "count" ? d.value : dataMismatch(t, d, path);
    case "double":
      return d.type === "real" ? d.value : dataMismatch(t, d, path);
    case "time":
      return d.type === "timestamp" ? Number(d.value) / 1e9 : dataMismatch(t, d, path);
    case "interval":
      return d.type === "timespan" ? Number(d.value) / 1e9 : dataMismatch(t, d, path);
    case "string":
      return d.type === "string" ? decodeZeekString(Buffer.from(d.value.buffer, d.value.byteOffset, d.value.byteLength)) : dataMismatch(t, d, path);
    case "bytes":
      return d.type === "string" ? d.value : dataMismatch(t, d, path);
    case "addr":
      return d.type === "address" ? addrText(d.value) : dataMismatch(t, d, path);
    case "subnet":
      if (d.type !== "subnet") return dataMismatch(t, d, path);
      return subnetText(d.address, d.length);
    case "port":
      return d.type === "port" ? `${d.number}/${d.protocol}` : dataMismatch(t, d, path);
    case "enum":
      return d.type === "enum-value" ? d.value : dataMismatch(t, d, path);
    case "pattern": {
      if (d.type !== "vector" || d.value.length !== 2 || d.value[0]!.type !== "string" || d.value[1]!.type !== "string") return dataMismatch(t, d, path);
      return { exact: Buffer.from(d.value[0]!.value).toString(), anywhere: Buffer.from(d.value[1]!.value).toString() };
    }
    case "any":
      return d;
    case "set":
      if (d.type !== "set") return dataMismatch(t, d, path);
      return d.value.map((e, i) => indexFromData(t.index, e, `${path}[${i}]`));
    case "table": {
      if (d.type !== "table") return dataMismatch(t, d, path);
      const m = new Map<unknown, unknown>();
      for (const [k, x] of d.value) m.set(indexFromData(t.index, k, `${path}.key`), fromData(t.yield, x, `${path}.value`));
      return m;
    }
    case "vector":
      if (d.type !== "vector") return dataMismatch(t, d, path);
      return d.value.map((e, i) => fromData(t.of, e, `${path}[${i}]`));
    case "record": {
      if (d.type !== "vector" || d.value.length < t.fields.length) return dataMismatch(t, d, path);
      const o: Record<string, unknown> = {};
      t.fields.forEach((f, i) => {
        const x = d.value[i]!;
        if (x.type === "none") {
          if (!f.optional) throw new DecodeError("broker-bin-v1", "invalid", 0, `${path}.${f.name}: unset value for a field that is not &optional`);
          return;
        }
        o[f.name] = fromData(f.type, x, `${path}.${f.name}`);
      });
      return o;
    }
  }
}

function subnetText(address: Uint8Array, raw: number): string {
  const v4 = address[10] === 0xff && address[11] === 0xff && address.subarray(0, 10).every((b) => b === 0);
  return `${addrText(address)}/${v4 ? raw - 96 : raw}`;
}

function indexFromData(index: readonly ZType[], d: Data, path: string): unknown {
  if (index.length === 1) return fromData(index[0]!, d, path);
  if (d.type !== "vector" || d.value.length !== index.length) return dataMismatch({ kind: "set", index }, d, path);
  return index.map((t, i) => fromData(t, d.value[i]!, `${path}[${i}]`));
}
