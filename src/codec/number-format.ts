// C printf("%.<n>f") for doubles, exactly as glibc prints them: the exact binary value rounded
// to n decimals with ties to even (JS toFixed rounds ties up and switches to exponent notation
// at 1e21, so it cannot be used).

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decomposes a finite double into mantissa * 2^exp with an integer mantissa. */
function decompose(x: number): { mant: bigint; exp: number } {
  f64[0] = x;
  const hi = u32[LITTLE ? 1 : 0]!;
  const lo = u32[LITTLE ? 0 : 1]!;
  const e = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (e === 0) return { mant, exp: -1074 };
  mant |= 1n << 52n;
  return { mant, exp: e - 1075 };
}

/** printf("%.<digits>f", x); NaN and infinities as glibc: "nan", "-nan", "inf", "-inf". */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  const neg = x < 0 || Object.is(x, -0);
  // Fast path: integers below 2^53 and digit counts that JS handles exactly.
  if (Number.isInteger(x) && Math.abs(x) < 2 ** 53) {
    const s = Math.abs(x).toString() + (digits > 0 ? "." + "0".repeat(digits) : "");
    return neg ? "-" + s : s;
  }
  const { mant, exp } = decompose(Math.abs(x));
  const scale = 10n ** BigInt(digits);
  let q: bigint;
  if (exp >= 0) {
    q = (mant << BigInt(exp)) * scale;
  } else {
    const den = 1n << BigInt(-exp);
    const num = mant * scale;
    q = num / den;
    const r2 = (num % den) * 2n;
    if (r2 > den || (r2 === den && (q & 1n) === 1n)) q += 1n;
  }
  let s = q.toString();
  if (digits > 0) {
    if (s.length <= digits) s = "0".repeat(digits - s.length + 1) + s;
    s = s.slice(0, s.length - digits) + "." + s.slice(s.length - digits);
  }
  return neg ? "-" + s : s;
}
