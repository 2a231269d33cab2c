// Number rendering of Zeek's log writers:
// - ASCII double: util::double_to_str(no_exp, precision 6) + ".0" when within 1e-9 of an integer;
// - ASCII time/interval: std::to_chars fixed with exactly 6 decimals;
// - JSON double/interval/time: rapidjson's Writer::Double (shortest digits, Prettify layout).

/**
 * `x` (finite, >= 0) in fixed notation with 6 decimals, correctly rounded with ties to even as
 * std::to_chars does. toFixed is exact but breaks ties upward; a double lies exactly halfway
 * between two multiples of 1e-6 iff x*128 is an odd integer, so only that case is corrected.
 */
function fixed6(x: number): string {
  if (x >= 1e21) return `${BigInt(x)}.000000`; // integral; toFixed would switch to exponent form
  const s = x.toFixed(6);
  const t = x * 128;
  if (Number.isInteger(t) && t % 2 === 1) {
    const last = s.charCodeAt(s.length - 1);
    // toFixed rounded the tie up; an odd result means the even neighbour is one below (no borrow).
    if (last & 1) return s.slice(0, -1) + String.fromCharCode(last - 1);
  }
  return s;
}

const scratch = new DataView(new ArrayBuffer(8));
function signBit(x: number): boolean {
  scratch.setFloat64(0, x);
  return (scratch.getUint8(0) & 0x80) !== 0;
}

/** ASCII writer rendering of time and interval values (Formatter::Render(double)). */
export function formatAsciiTime(x: number): string {
  if (Number.isNaN(x)) return signBit(x) ? "-nan" : "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x < 0 || Object.is(x, -0)) return "-" + fixed6(-x);
  return fixed6(x);
}

/** ASCII writer rendering of double values (ODesc::Add(double, no_exp=true)). */
export function formatAsciiDouble(x: number): string {
  if (Number.isNaN(x)) return "nan";
  const neg = x < 0;
  const a = neg ? -x : x;
  let s: string;
  if (a === Infinity) s = "inf";
  else {
    s = fixed6(a);
    let end = s.length;
    while (s.charCodeAt(end - 1) === 0x30) end--;
    if (s.charCodeAt(end - 1) === 0x2e) end--;
    s = s.slice(0, end);
  }
  if (neg) s = "-" + s;
  // Zeek appends ".0" to values within 1e-9 of an integer so they do not read as integers.
  if (a !== Infinity && Math.abs(x - Math.round(x)) < 1e-9) s += ".0";
  return s;
}

/**
 * rapidjson Writer::Double (Grisu2 digits, Prettify layout, maxDecimalPlaces 324) for finite x.
 * Prettify uses the same decimal/exponent thresholds as JS Number#toString (decimal for
 * 1e-7 <= |x| < 1e21), so only the spelling differs: integral values get ".0", exponents have no
 * "+". Caveat: Grisu2 can, in rare cases, produce a longer digit string than the shortest one JS
 * prints. NaN and infinities are the caller's business (Zeek writes null).
 */
export function formatJsonDouble(x: number): string {
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const s = String(x);
  const e = s.indexOf("e");
  if (e >= 0) return s.charCodeAt(e + 1) === 0x2b ? s.slice(0, e + 1) + s.slice(e + 2) : s;
  return s.includes(".") ? s : s + ".0";
}
