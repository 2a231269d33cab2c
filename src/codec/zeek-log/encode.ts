// Encoder of Zeek's log-write batches (wire.md §4), the inverse of decodeLogBatch: a decoded
// batch re-encodes byte-identically. Hand-built values may use the convenient input forms of
// LogValue (numbers for counts, JS strings for strings/addrs/subnets).
import { EncodeError } from "../../errors.js";
import { parseAddr } from "./addr.js";
import { LogAddr, LogPort, LogSubnet, LogTypedValue, TypeTag, typeTagName, type LogBatch, type LogValue } from "./types.js";

const textEncoder = new TextEncoder();
const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

// Output state of the running encode (synchronous, never re-entered).
let out = Buffer.allocUnsafe(4096);
let dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
let pos = 0;

function ensure(n: number): void {
  if (pos + n <= out.length) return;
  let size = out.length * 2;
  while (size < pos + n) size *= 2;
  const next = Buffer.allocUnsafe(size);
  out.copy(next, 0, 0, pos);
  out = next;
  dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
}

function putI32(v: number): void {
  ensure(4);
  dv.setInt32(pos, v);
  pos += 4;
}

function putByte(v: number): void {
  ensure(1);
  out[pos++] = v;
}

function putBytes(b: Uint8Array): void {
  ensure(4 + b.length);
  dv.setInt32(pos, b.length);
  out.set(b, pos + 4);
  pos += 4 + b.length;
}

function putString(s: string): void {
  putBytes(textEncoder.encode(s));
}

function toBigInt(v: LogValue, path: string, what: string): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  throw new EncodeError(path, `${what} must be a bigint (or a safe integer number), got ${describe(v)}`);
}

function describe(v: LogValue): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (v instanceof Uint8Array) return "bytes";
  if (typeof v === "object") return v.constructor.name;
  return typeof v;
}

function putAddr(a: LogValue, path: string): void {
  let bytes: Uint8Array;
  if (a instanceof LogAddr) bytes = a.bytes;
  else if (typeof a === "string") {
    try {
      bytes = parseAddr(a);
    } catch (e) {
      throw new EncodeError(path, (e as Error).message);
    }
  } else throw new EncodeError(path, `addr must be a LogAddr or address text, got ${describe(a)}`);
  if (bytes.length !== 4 && bytes.length !== 16) throw new EncodeError(path, `addr must have 4 or 16 bytes, got ${bytes.length}`);
  ensure(1 + bytes.length);
  out[pos++] = bytes.length === 4 ? 4 : 6;
  out.set(bytes, pos);
  pos += bytes.length;
}

/** Writes one Value; `expect` is the type a plain value has here, `elemExpect` its elements' type. */
function putValue(v: LogValue, expect: number, elemExpect: number, path: string): void {
  let type = expect;
  let subtype = 0;
  if (v instanceof LogTypedValue) {
    type = v.type;
    subtype = v.subtype;
    v = v.value;
  }
  ensure(9);
  dv.setInt32(pos, type);
  dv.setInt32(pos + 4, subtype);
  out[pos + 8] = v === null ? 0 : 1;
  pos += 9;
  if (v === null) return;
  switch (type) {
    case TypeTag.bool: {
      let n: bigint;
      if (typeof v === "boolean") n = v ? 1n : 0n;
      else if (typeof v === "bigint" && v >= INT64_MIN && v <= INT64_MAX) n = v;
      else throw new EncodeError(path, `bool must be a boolean, got ${describe(v)}`);
      ensure(8);
      dv.setBigInt64(pos, n);
      pos += 8;
      return;
    }
    case TypeTag.int: {
      const n = toBigInt(v, path, "int");
      if (n < INT64_MIN || n > INT64_MAX) throw new EncodeError(path, `int ${n} is outside int64`);
      ensure(8);
      dv.setBigInt64(pos, n);
      pos += 8;
      return;
    }
    case TypeTag.count: {
      const n = toBigInt(v, path, "count");
      if (n < 0n || n > UINT64_MAX) throw new EncodeError(path, `count ${n} is outside uint64`);
      ensure(8);
      dv.setBigUint64(pos, n);
      pos += 8;
      return;
    }
    case TypeTag.double:
    case TypeTag.time:
    case TypeTag.interval:
      if (typeof v !== "number") throw new EncodeError(path, `${typeTagName(type)} must be a number (seconds), got ${describe(v)}`);
      ensure(8);
      dv.setFloat64(pos, v);
      pos += 8;
      return;
    case TypeTag.string:
    case TypeTag.enum:
    case TypeTag.file:
    case TypeTag.func:
      if (v instanceof Uint8Array) putBytes(v);
      else if (typeof v === "string") putString(v);
      else throw new EncodeError(path, `${typeTagName(type)} must be bytes or a string, got ${describe(v)}`);
      return;
    case TypeTag.port: {
      if (!(v instanceof LogPort)) throw new EncodeError(path, `port must be a LogPort, got ${describe(v)}`);
      if (!Number.isSafeInteger(v.port) || v.port < 0) throw new EncodeError(path, `port number ${v.port} is not a non-negative integer`);
      if (!Number.isInteger(v.proto) || v.proto < 0 || v.proto > 3) throw new EncodeError(path, `port protocol must be 0..3, got ${v.proto}`);
      ensure(12);
      dv.setUint32(pos, Math.floor(v.port / 2 ** 32));
      dv.setUint32(pos + 4, v.port >>> 0);
      dv.setInt32(pos + 8, v.proto);
      pos += 12;
      return;
    }
    case TypeTag.addr:
      putAddr(v, path);
      return;
    case TypeTag.subnet: {
      let sn: LogSubnet;
      if (v instanceof LogSubnet) sn = v;
      else if (typeof v === "string") {
        try {
          sn = LogSubnet.parse(v);
        } catch (e) {
          throw new EncodeError(path, (e as Error).message);
        }
      } else throw new EncodeError(path, `subnet must be a LogSubnet or "addr/len" text, got ${describe(v)}`);
      const wire = sn.prefix.family === 4 ? sn.prefixLength + 96 : sn.prefixLength;
      if (!Number.isInteger(wire) || wire < 0 || wire > 255) throw new EncodeError(path, `subnet length ${sn.prefixLength} does not fit the wire`);
      putByte(wire);
      putAddr(sn.prefix, path);
      return;
    }
    case TypeTag.table:
    case TypeTag.vector: {
      if (!Array.isArray(v)) throw new EncodeError(path, `${typeTagName(type) === "table" ? "set" : "vector"} must be an array, got ${describe(v)}`);
      ensure(8);
      dv.setUint32(pos, 0);
      dv.setUint32(pos + 4, v.length);
      pos += 8;
      for (let i = 0; i < v.length; i++) putValue(v[i]!, elemExpect, TypeTag.void, `${path}[${i}]`);
      return;
    }
    default:
      throw new EncodeError(path, `type ${typeTagName(type)} cannot be a present log value`);
  }
}

/** Encodes a batch; throws EncodeError (path like `records[2].ts`) for a value that does not fit its type. */
export function encodeLogBatch(batch: LogBatch): Buffer {
  pos = 0;
  putString(batch.stream);
  putString(batch.writer);
  putString(batch.filter);
  putString(batch.path);
  const fields = batch.fields;
  putI32(fields.length);
  for (const f of fields) {
    putByte(f.secondaryName === undefined ? 0 : 1);
    if (f.secondaryName !== undefined) putString(f.secondaryName);
    putString(f.name);
    putI32(f.type);
    putI32(f.subtype);
    putByte(f.optional ? 1 : 0);
  }
  putI32(batch.records.length);
  for (let r = 0; r < batch.records.length; r++) {
    const rec = batch.records[r]!;
    if (rec.length !== fields.length)
      throw new EncodeError(`records[${r}]`, `has ${rec.length} values for ${fields.length} fields`);
    for (let i = 0; i < rec.length; i++) {
      const f = fields[i]!;
      putValue(rec[i]!, f.type, f.subtype, `records[${r}].${f.name}`);
    }
  }
  const result = Buffer.from(out.subarray(0, pos)); // copy: the scratch buffer is reused
  if (out.length > 1 << 20) {
    out = Buffer.allocUnsafe(4096); // do not keep a huge scratch buffer alive
    dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  }
  return result;
}
