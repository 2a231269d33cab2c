// The charts: uPlot (shipped with the page, see docs/console.md), one per topic, fed one point a
// second into a fixed window; setData on a few hundred points costs well under a millisecond.

const WINDOW = 300;

export interface SeriesSpec {
  label: string;
  stroke: string;
}

export class Chart {
  private readonly plot: uPlot;
  private data: (number | null)[][];

  constructor(host: HTMLElement, title: string, series: SeriesSpec[]) {
    this.data = [[], ...series.map(() => [])];
    const opts: uPlot.Options = {
      title,
      width: Math.max(280, host.clientWidth || 400),
      height: 170,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(1, max ?? 1, min ?? 0) * 1.1] } },
      axes: [{ stroke: "#9aa4b1", grid: { stroke: "#2a313b" } }, { stroke: "#9aa4b1", grid: { stroke: "#2a313b" }, size: 60, values: (_u, ticks) => ticks.map((v) => short(v)) }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, points: { show: false }, value: (_u: uPlot, v: number | null) => (v === null ? "–" : short(v)) }))],
    };
    this.plot = new uPlot(opts, this.data as uPlot.AlignedData, host);
    new ResizeObserver(() => this.plot.setSize({ width: Math.max(280, host.clientWidth), height: 170 })).observe(host);
  }

  /** Replaces the whole history ([times, series...]). */
  reset(history: (number | null)[][]): void {
    this.data = history.map((s) => s.slice(-WINDOW));
    this.plot.setData(this.data as uPlot.AlignedData);
  }

  /** Appends one point [t, v1, v2, ...]. */
  push(point: (number | null)[]): void {
    for (let i = 0; i < this.data.length; i++) {
      const s = this.data[i]!;
      s.push(point[i] ?? null);
      if (s.length > WINDOW) s.shift();
    }
    this.plot.setData(this.data as uPlot.AlignedData);
  }
}

function short(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}
