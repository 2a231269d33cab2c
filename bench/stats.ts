// Small helpers shared by the benchmarks (files starting with "_" or not exporting main are not
// benchmarks; bench/run.ts only runs modules named on the command line).
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Operations per second for `n` operations since `t0` (process.hrtime.bigint()). */
export function rate(n: number, t0: bigint): number {
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export function report(rows: [string, number][]): void {
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${Number.isInteger(v) ? v : Math.round(v).toLocaleString("en-US")}`);
}
