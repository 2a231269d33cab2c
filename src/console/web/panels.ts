// The smaller panels: the broker's counters, the loggers (records per path, files, rotation),
// and two scrolling lists (console events, cluster.log lines), each capped.
import { bytes, clock, el, num, setText } from "./dom.js";
import type { BrokerInfo, ClusterLogLine, ConsoleEvent, Logger } from "./types.js";

const SIDES = ["frontend (XSUB)", "backend (XPUB)"];

export function renderBroker(host: HTMLElement, b: BrokerInfo | null): void {
  const key = JSON.stringify(b);
  if (host.dataset["key"] === key) return;
  host.dataset["key"] = key;
  host.replaceChildren();
  if (b === null) {
    host.appendChild(el("p", "muted", "No broker counters: give the manager (it runs the broker) a metricsPort in the layout, or --broker-metrics URL for a standalone broker."));
    return;
  }
  host.appendChild(el("p", "muted", `from ${b.source}`));
  if (b.error !== undefined || b.totals === undefined) {
    host.appendChild(el("p", "bad", b.error ?? "no counters"));
    return;
  }
  const t = el("table", "broker");
  const h = t.createTHead().insertRow();
  for (const c of ["side", "frames in/s", "bytes in/s", "frames out/s", "bytes out/s", "frames in", "frames out"]) h.appendChild(el("th", undefined, c));
  const body = t.createTBody();
  SIDES.forEach((side, s) => {
    const r = body.insertRow();
    const o = s * 4;
    const rates = b.rates ?? [];
    const vals = [side, num(rates[o]), `${bytes(rates[o + 1] ?? null)}/s`, num(rates[o + 2]), `${bytes(rates[o + 3] ?? null)}/s`, num(b.totals![o]), num(b.totals![o + 2])];
    vals.forEach((v, i) => (r.insertCell().textContent = v, i > 0 && r.cells[i]!.classList.add("n")));
  });
  const box = el("div", "scroll");
  box.appendChild(t);
  host.appendChild(box);
  host.appendChild(el("p", "muted", "Frontend: the XSUB that node XPUBs publish to; backend: the XPUB that node XSUBs subscribe at. Frames, as zmq_proxy counts them: a Zeek event is 4 frames. Frontend in = what nodes publish; backend out = what the broker delivers (x subscribers)."));
}

export function renderLoggers(host: HTMLElement, loggers: Logger[]): void {
  const key = JSON.stringify(loggers);
  if (host.dataset["key"] === key) return;
  host.dataset["key"] = key;
  host.replaceChildren();
  if (loggers.length === 0) {
    host.appendChild(el("p", "muted", "No logger: the layout has none, and no node exports log counters or has a log directory known to the console (--logs NODE=DIR)."));
    return;
  }
  for (const l of loggers) {
    const card = el("div", "logger");
    card.dataset["logger"] = l.name;
    card.appendChild(el("h3", undefined, `${l.name} (${l.type})`));
    if (l.paths.length > 0) {
      const t = el("table", "paths");
      const h = t.createTHead().insertRow();
      for (const c of ["path", "records/s", "written", "received", "dropped"]) h.appendChild(el("th", undefined, c));
      const b = t.createTBody();
      for (const [path, rate, written, received, dropped] of l.paths) {
        const r = b.insertRow();
        r.dataset["path"] = path;
        [path, num(rate), num(written), num(received), num(dropped)].forEach((v, i) => {
          const c = r.insertCell();
          c.textContent = v;
          if (i > 0) c.className = i === 4 && dropped > 0 ? "n bad" : "n";
        });
      }
      card.appendChild(t);
    } else card.appendChild(el("p", "muted", "no log counters (metrics endpoint missing, or nothing written yet)"));
    if (l.dir !== null) {
      card.appendChild(el("p", "muted", `files in ${l.dir}${l.dirError ? ` — ${l.dirError}` : ""}`));
      const t = el("table", "files");
      const b = t.createTBody();
      for (const [name, size, rate] of l.files) {
        const r = b.insertRow();
        r.dataset["file"] = name;
        [name, bytes(size), rate > 0 ? `+${bytes(rate)}/s` : ""].forEach((v, i) => {
          const c = r.insertCell();
          c.textContent = v;
          if (i > 0) c.className = "n";
        });
      }
      card.appendChild(t);
      card.appendChild(el("p", "rotation", l.rotated > 0 ? `${l.rotated} rotated file${l.rotated === 1 ? "" : "s"}, latest ${l.lastRotated ?? ""}` : "no rotated files yet"));
    }
    host.appendChild(card);
  }
}

/** A capped list, newest first. */
export class LineList {
  private readonly list: HTMLOListElement;
  constructor(
    host: HTMLElement,
    private readonly max = 300,
  ) {
    this.list = el("ol", "lines");
    host.appendChild(this.list);
  }

  clear(): void {
    this.list.replaceChildren();
  }

  add(time: string, parts: [cls: string, text: string][], cls = ""): void {
    const li = el("li", cls);
    li.appendChild(el("span", "time", time));
    for (const [c, t] of parts) li.appendChild(el("span", c, t));
    this.list.prepend(li);
    while (this.list.childElementCount > this.max) this.list.lastElementChild!.remove();
  }

  get size(): number {
    return this.list.childElementCount;
  }
}

export function addEvents(list: LineList, events: ConsoleEvent[]): void {
  for (const e of events) list.add(clock(e.t), [["text", e.text]], e.level);
}

export function addClusterLog(list: LineList, lines: ClusterLogLine[]): void {
  for (const l of lines) list.add(clock(l.ts * 1000), [["node", l.node], ["text", l.message]]);
}

export function setCount(e: HTMLElement, n: number, what: string): void {
  setText(e, `${n} ${what}`);
}
