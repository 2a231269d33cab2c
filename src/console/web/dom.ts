// Small DOM helpers. Every string that came from the cluster (node names, ids, topics, event
// arguments, log lines) reaches the page through textContent or a canvas, never as HTML.

/** Creates an element with a class and optional text (set as textContent). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`the page lacks #${id}`);
  return e as T;
}

/** Sets text only when it changed (no layout work for unchanged cells). */
export function setText(e: HTMLElement, text: string): void {
  if (e.textContent !== text) e.textContent = text;
}

export function setClass(e: HTMLElement, cls: string): void {
  if (e.className !== cls) e.className = cls;
}

const UNITS = ["", "k", "M", "G", "T"];

/** 1234 -> "1.23k"; null -> "–" (unknown). */
export function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1000 && i < UNITS.length - 1) {
    x /= 1000;
    i++;
  }
  const s = x >= 100 || Number.isInteger(x) ? x.toFixed(0) : x.toPrecision(digits);
  return `${v < 0 ? "-" : ""}${s.replace(/\.0+$|(\.\d*?)0+$/, "$1")}${UNITS[i]}`;
}

export function bytes(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let x = v;
  while (x >= 1024 && i < u.length - 1) {
    x /= 1024;
    i++;
  }
  return `${i === 0 ? x.toFixed(0) : x.toFixed(1)} ${u[i]}`;
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

export function clock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}:${String(d.getSeconds()).padStart(2, "0")}`;
}
