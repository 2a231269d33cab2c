// What `zeek-zmq cluster` shows: on a terminal a status table redrawn in place (log-update
// measures what it drew at the terminal's width, so a narrow terminal gets no stacked frames),
// with notable changes and the nodes' output scrolling above it; otherwise one line per change.
import { createLogUpdate } from "log-update";
import type { Print } from "./args.js";
import type { ChildView, Supervisor } from "./supervisor.js";

export interface StatusView {
  change(c: ChildView, what: string): void;
  output(c: ChildView, stream: "stdout" | "stderr", line: string): void;
  info(line: string): void;
  summary(): void;
  close(): void;
}

function rate(v: number): string {
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

function peers(c: ChildView, total: number): string {
  return c.state === "up" ? `${c.up.length}/${total - 1}` : "-";
}

function stateText(c: ChildView): string {
  if (c.state !== "restarting" || c.restartAt === undefined) return c.state;
  return `restarting in ${Math.max(0, (c.restartAt - Date.now()) / 1000).toFixed(1)}s`;
}

/** Line view for pipes and files: one line per change, child output prefixed with its node. */
export class LineView implements StatusView {
  constructor(
    private readonly out: Print,
    private readonly err: Print,
    private readonly sup: Supervisor,
  ) {}

  change(c: ChildView, what: string): void {
    this.out(`${c.name}: ${what}`);
  }

  output(c: ChildView, stream: "stdout" | "stderr", line: string): void {
    (stream === "stdout" ? this.out : this.err)(`${c.name} | ${line}`);
  }

  info(line: string): void {
    this.out(line);
  }

  /** One line with every node's state, peers, rates and drops. */
  summary(): void {
    const n = this.sup.nodes.length;
    this.out(`status: ${this.sup.nodes.map((c) => `${c.name} ${stateText(c)} peers ${peers(c, n)} in ${rate(c.inRate)}/s out ${rate(c.outRate)}/s drops ${c.drops}`).join("; ")}`);
  }

  close(): void {}
}

/** Terminal view: a status table kept at the bottom, redrawn every second and on change. */
export class TableView implements StatusView {
  private readonly t0 = Date.now();
  private readonly timer = setInterval(() => this.redraw(), 1000);
  private readonly draw: ReturnType<typeof createLogUpdate>;

  constructor(
    stream: NodeJS.WriteStream,
    private readonly sup: Supervisor,
    private readonly title: string,
  ) {
    this.draw = createLogUpdate(stream);
  }

  change(c: ChildView, what: string): void {
    // node_up/node_down and states show in the table; keep the notable ones in the scrollback.
    if (/^(crashed|exited|broker|stopped|failed)/.test(what)) this.above(`${c.name}: ${what}`);
    else this.redraw();
  }

  output(c: ChildView, _stream: "stdout" | "stderr", line: string): void {
    this.above(`${c.name} | ${line}`);
  }

  info(line: string): void {
    this.above(line);
  }

  summary(): void {}

  private above(line: string): void {
    this.draw.persist(line);
    this.redraw();
  }

  private redraw(): void {
    this.draw(this.table());
  }

  private table(): string {
    const n = this.sup.nodes.length;
    const secs = Math.floor((Date.now() - this.t0) / 1000);
    const rows = [["NODE", "TYPE", "STATE", "PID", "RESTARTS", "PEERS", "IN/s", "OUT/s", "DROPS"]];
    for (const c of this.sup.nodes)
      rows.push([c.name, c.type, stateText(c), String(c.pid ?? "-"), String(c.restarts), peers(c, n), rate(c.inRate), rate(c.outRate), String(c.drops)]);
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const lines = [`${this.title} - ${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, "0")} - Ctrl-C stops`];
    for (const r of rows) lines.push(r.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd());
    return lines.join("\n");
  }

  close(): void {
    clearInterval(this.timer);
    this.redraw();
    this.draw.done();
  }
}
