// Broker sends doubles through CAF's portable pack754/unpack754, not as raw IEEE bits. Normal
// values and ±0 come out as plain IEEE-754; ±inf and NaN use CAF's own patterns, and subnormals
// are mangled (the exponent underflows into the sign bit). Both directions reproduce CAF exactly
// so that what we send and decode matches what Zeek sends and decodes.

const PINF_HI = 0xfff00000; // CAF's +inf (IEEE -inf)
const NINF_HI = 0x7ff00000; // CAF's -inf (IEEE +inf)
const TWO52 = 2 ** 52;

const scratch = new DataView(new ArrayBuffer(8));

/** Writes CAF's packing of `x` as 8 big-endian bytes into `out` at `off`. */
export function packReal(x: number, out: Uint8Array, off: number): void {
  if (Number.isNaN(x)) {
    out.fill(0xff, off, off + 8);
    return;
  }
  if (x === Infinity || x === -Infinity) {
    writeHiLo(out, off, x > 0 ? PINF_HI : NINF_HI, 0);
    return;
  }
  const ax = Math.abs(x);
  if (ax === 0 || ax >= 2.2250738585072014e-308) {
    // ±0 and normal values: CAF's arithmetic yields the IEEE bits exactly.
    scratch.setFloat64(0, x);
    for (let i = 0; i < 8; i++) out[off + i] = scratch.getUint8(i);
    return;
  }
  // Subnormal: normalise by repeated doubling (exact), then pack with an out-of-range exponent.
  let fnorm = ax;
  let shift = 0;
  while (fnorm < 1) {
    fnorm *= 2;
    shift--;
  }
  const significand = BigInt(Math.trunc((fnorm - 1) * (TWO52 + 0.5)));
  const exp = BigInt(shift + 1023); // negative: its two's complement spills into the top bits
  const sign = x < 0 ? 1n : 0n;
  const bits = ((sign << 63n) | (BigInt.asUintN(64, exp) << 52n) | significand) & 0xffffffffffffffffn;
  writeHiLo(out, off, Number(bits >> 32n), Number(bits & 0xffffffffn));
}

/** Reads 8 big-endian bytes as CAF's unpack754 does. */
export function unpackReal(buf: Uint8Array, off: number): number {
  const hi = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
  const lo = ((buf[off + 4]! << 24) | (buf[off + 5]! << 16) | (buf[off + 6]! << 8) | buf[off + 7]!) >>> 0;
  const e = (hi >>> 20) & 0x7ff;
  if (e !== 0 && e !== 0x7ff) {
    // Normal exponent: CAF's arithmetic equals the IEEE interpretation.
    scratch.setUint32(0, hi);
    scratch.setUint32(4, lo);
    return scratch.getFloat64(0);
  }
  if (lo === 0 && (hi === 0 || hi === 0x80000000)) return hi ? -0 : 0;
  if (lo === 0 && hi === PINF_HI) return Infinity;
  if (lo === 0 && hi === NINF_HI) return -Infinity;
  if (hi === 0xffffffff && lo === 0xffffffff) return NaN;
  // Exponent field 0 or 2047 outside the special patterns: CAF treats it as a normal number
  // and scales by halving/doubling one step at a time (rounding at each step, as C does).
  let r = 1 + ((hi & 0xfffff) * 2 ** 32 + lo) / TWO52;
  let shift = e - 1023;
  while (shift > 0) {
    r *= 2;
    shift--;
  }
  while (shift < 0) {
    r /= 2;
    shift++;
  }
  return hi & 0x80000000 ? -r : r;
}

function writeHiLo(out: Uint8Array, off: number, hi: number, lo: number): void {
  out[off] = hi >>> 24;
  out[off + 1] = (hi >>> 16) & 0xff;
  out[off + 2] = (hi >>> 8) & 0xff;
  out[off + 3] = hi & 0xff;
  out[off + 4] = lo >>> 24;
  out[off + 5] = (lo >>> 16) & 0xff;
  out[off + 6] = (lo >>> 8) & 0xff;
  out[off + 7] = lo & 0xff;
}
