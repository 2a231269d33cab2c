// Zeek's rendezvous hashing primitives: the `fnv1a32` and `hrw_weight` BIFs (src/zeek.bif) and the
// byte string `fnv1a32` hashes for a non-string value (Val::Describe in DESC_BINARY mode).

/** A key for HRW: a Zeek `string` (raw bytes) or one of the typed values Zeek describes in binary. */
export type HrwKey =
  | string
  | Uint8Array
  | { readonly count: bigint | number }
  | { readonly int: bigint | number }
  | { readonly addr: string };

// TypeTag values from Zeek's Type.h.
const TYPE_INT = 2;
const TYPE_COUNT = 3;
const TYPE_ADDR = 11;

/**
 * The bytes `fnv1a32(key)` hashes. A string hashes its bytes as they are. Any other value is
 * `Val::Describe` in binary mode: the type tag as a 4-byte int, then the value (int/count as 8
 * bytes, addr as its text plus NUL), all little-endian as on the x86-64/arm64 hosts Zeek runs on.
 * For `addr` pass Zeek's own rendering (dotted quad, or compressed lowercase IPv6).
 */
export function hrwKeyBytes(key: HrwKey): Uint8Array {
  if (typeof key === "string") return Buffer.from(key, "utf8");
  if (key instanceof Uint8Array) return key;
  if ("addr" in key) {
    const text = Buffer.from(key.addr, "latin1");
    const out = Buffer.alloc(4 + text.length + 1);
    out.writeInt32LE(TYPE_ADDR, 0);
    text.copy(out, 4);
    return out;
  }
  const out = Buffer.alloc(12);
  if ("count" in key) {
    out.writeInt32LE(TYPE_COUNT, 0);
    out.writeBigUInt64LE(BigInt.asUintN(64, BigInt(key.count)), 4);
  } else {
    out.writeInt32LE(TYPE_INT, 0);
    out.writeBigInt64LE(BigInt.asIntN(64, BigInt(key.int)), 4);
  }
  return out;
}

/** Zeek's `fnv1a32` over raw bytes (offset basis 2166136261, prime 16777619). */
export function fnv1a32Bytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Zeek's `fnv1a32(key)` BIF. */
export function fnv1a32(key: HrwKey): number {
  return fnv1a32Bytes(hrwKeyBytes(key));
}

/**
 * Zeek's `hrw_weight(key_digest, site_id)`: `(a * ((a * site + b) ^ (d & 0x7fffffff)) + b) % 2^31`
 * with a = 1103515245, b = 12345, all products and sums in 32-bit unsigned arithmetic (the C
 * operands are uint32_t), the final modulo keeping the low 31 bits.
 */
export function hrwWeight(keyDigest: number, siteId: number): number {
  const A = 1103515245;
  const d = (keyDigest & 0x7fffffff) >>> 0;
  const inner = ((Math.imul(A, siteId >>> 0) + 12345) >>> 0) ^ d;
  return ((Math.imul(A, inner >>> 0) + 12345) >>> 0) & 0x7fffffff;
}

/**
 * Zeek's `HashHRW::get_site`: the site id with the highest `hrw_weight(fnv1a32(key), id)`, ties
 * going to the larger id (so iteration order does not matter); undefined for no sites.
 */
export function hrwSelect(siteIds: Iterable<number>, key: HrwKey): number | undefined {
  const d = fnv1a32(key);
  let best: number | undefined;
  let bestWeight = -1;
  for (const id of siteIds) {
    const w = hrwWeight(d, id);
    if (w > bestWeight || (w === bestWeight && id > (best as number))) {
      bestWeight = w;
      best = id;
    }
  }
  return best;
}
