// The node table: one row per node, cells kept and updated in place (no re-render per tick), so
// a hundred nodes cost a few hundred text updates a second at most.
import { bytes, duration, el, num, setClass, setText } from "./dom.js";
import type { Row } from "./types.js";

const COLUMNS = ["Node", "Type", "State", "Node id", "Uptime", "Sees", "In/s", "Out/s", "Xpub drops", "Onloop drops", "Queue", "Msg errors", "RSS", "CPU", "Restarts", "Metrics"] as const;

interface Cells {
  tr: HTMLTableRowElement;
  c: HTMLTableCellElement[];
}

export class NodeTable {
  private readonly body: HTMLTableSectionElement;
  private readonly rows: Cells[] = [];
  private data: Row[] = [];
  selected: string | undefined;

  constructor(
    host: HTMLElement,
    private readonly onSelect: (name: string) => void,
  ) {
    const table = el("table", "nodes");
    const head = table.createTHead().insertRow();
    for (const c of COLUMNS) head.appendChild(el("th", undefined, c));
    this.body = table.createTBody();
    host.appendChild(table);
  }

  get all(): readonly Row[] {
    return this.data;
  }

  /** Applies changed rows; `names` (when given) is the full node list in order. */
  apply(rows: Row[], names?: string[]): void {
    if (names !== undefined) {
      this.data.length = names.length;
      while (this.rows.length < names.length) this.addRow();
      while (this.rows.length > names.length) this.rows.pop()!.tr.remove();
    }
    for (const r of rows) this.data[r.i] = r;
  }

  /** Refreshes every row's cells (uptimes move even when nothing else does). */
  render(now: number): void {
    this.data.forEach((r, i) => r && this.fill(this.rows[i]!, r, now));
  }

  private addRow(): void {
    const tr = this.body.insertRow();
    const c = COLUMNS.map(() => tr.insertCell());
    tr.addEventListener("click", () => {
      const name = tr.dataset["node"];
      if (name !== undefined) this.onSelect(name);
    });
    this.rows.push({ tr, c });
  }

  private fill(cells: Cells, r: Row, now: number): void {
    const { tr, c } = cells;
    if (tr.dataset["node"] !== r.name) tr.dataset["node"] = r.name;
    const half = r.state === "up" && r.missing.length > 0;
    const st = r.state === "up" ? (half ? "half" : "up") : r.state;
    if (tr.dataset["state"] !== st) tr.dataset["state"] = st;
    if (tr.dataset["view"] !== (r.view ?? "")) tr.dataset["view"] = r.view ?? "";
    setClass(tr, `${this.selected === r.name ? "selected " : ""}${half ? "warn" : ""}`);
    setText(c[0]!, r.name);
    setText(c[1]!, r.type);
    const stateText = r.state === "up" ? (half ? `up, half-connected: does not see ${r.missing.join(", ")}` : "up") : r.state === "down" ? "down" : "never seen";
    setText(c[2]!, r.proc !== null && r.proc !== "up" ? `${stateText} · process ${r.proc}` : stateText);
    setClass(c[2]!, `state ${st}${r.proc !== null && /restarting|starting|stopping/.test(r.proc) ? " proc" : ""}`);
    setText(c[3]!, r.id ?? "–");
    c[3]!.title = r.id ?? "";
    const since = r.startTime !== null ? r.startTime * 1000 : r.upSince;
    setText(c[4]!, r.state === "up" && since !== null ? duration(now - since) : r.downSince !== null ? `down ${duration(now - r.downSince)}` : "–");
    setText(c[5]!, r.sees ?? "unknown");
    c[5]!.title = r.sees === null ? "this node does not report whom it sees (a real Zeek node, or no metrics endpoint)" : "";
    setText(c[6]!, num(r.in));
    setText(c[7]!, num(r.out));
    setText(c[8]!, r.drops !== null && r.xpubDrops === null ? `${num(r.drops)} (all)` : num(r.xpubDrops));
    setText(c[9]!, num(r.onloopDrops));
    setClass(c[8]!, "n" + ((r.xpubDrops ?? 0) > 0 ? " bad" : ""));
    setClass(c[9]!, "n" + ((r.onloopDrops ?? 0) > 0 ? " bad" : ""));
    setText(c[10]!, r.queue !== null ? num(r.queue) : r.onloopBlocks !== null ? `${num(r.onloopBlocks)} blocks` : "–");
    setText(c[11]!, num(r.msgErrors));
    setClass(c[11]!, "n" + ((r.msgErrors ?? 0) > 0 ? " bad" : ""));
    setText(c[12]!, bytes(r.rss));
    setText(c[13]!, r.cpu === null ? "–" : `${r.cpu.toFixed(1)}%`);
    setText(c[14]!, r.restarts === null ? "–" : String(r.restarts));
    c[14]!.title = r.lastExit ?? "";
    setText(c[15]!, r.metrics);
    c[15]!.title = r.metricsUrl ?? "no metrics endpoint (metricsPort in the layout)";
    for (const i of [6, 7, 10, 12, 13, 14]) setClass(c[i]!, "n");
  }
}
