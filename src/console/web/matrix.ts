// "Who sees whom" as a canvas: row = the node whose view it is, column = the peer. A canvas
// draws 100 x 100 cells without 10,000 DOM nodes; names drawn with fillText are text, not HTML.
import type { Row } from "./types.js";

const COLORS = { yes: "#2e9d5b", no: "#d9453b", noDown: "#5b4a4a", unknown: "#3a4250", self: "#1b2027" };

export class Matrix {
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private key = "";
  private layout = { label: 0, cell: 0, n: 0 };
  private rows: Row[] = [];

  constructor(host: HTMLElement) {
    this.canvas = document.createElement("canvas");
    this.canvas.id = "matrix-canvas";
    host.appendChild(this.canvas);
    this.ctx = this.canvas.getContext("2d")!;
    this.canvas.addEventListener("mousemove", (e) => this.hover(e));
  }

  /** Redraws when any view or state changed. */
  draw(rows: readonly Row[]): void {
    const key = rows.map((r) => `${r.name}|${r.state}|${r.view ?? ""}`).join("\n");
    if (key === this.key) return;
    this.key = key;
    this.rows = rows.slice();
    const n = rows.length;
    const cell = Math.max(4, Math.min(22, Math.floor(440 / Math.max(1, n))));
    const label = cell >= 12 ? 110 : 0;
    const dpr = window.devicePixelRatio || 1;
    const w = label + n * cell + 1;
    const h = label + n * cell + 1;
    this.canvas.width = w * dpr;
    this.canvas.height = h * dpr;
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    const g = this.ctx;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    this.layout = { label, cell, n };
    if (label > 0) {
      g.font = "11px system-ui, sans-serif";
      g.textBaseline = "middle";
      rows.forEach((r, i) => {
        const half = r.state === "up" && r.missing.length > 0;
        g.fillStyle = half ? "#f0a030" : r.state === "up" ? "#d8dee6" : "#7b8593";
        const name = r.name.length > 16 ? `${r.name.slice(0, 15)}…` : r.name;
        g.textAlign = "right";
        g.fillText(name, label - 4, label + i * cell + cell / 2);
        g.save();
        g.translate(label + i * cell + cell / 2, label - 4);
        g.rotate(-Math.PI / 2);
        g.textAlign = "left";
        g.fillText(name, 0, 0);
        g.restore();
      });
    }
    rows.forEach((r, i) => {
      for (let j = 0; j < n; j++) {
        const v = r.view?.[j];
        const peerUp = rows[j]?.state === "up";
        g.fillStyle = i === j ? COLORS.self : v === "1" ? COLORS.yes : v === "0" ? (peerUp && r.state === "up" ? COLORS.no : COLORS.noDown) : COLORS.unknown;
        g.fillRect(label + j * cell, label + i * cell, cell - 1, cell - 1);
        if (v !== "1" && v !== "0" && i !== j && cell >= 12) {
          g.fillStyle = "#8a94a3";
          g.font = `${Math.floor(cell * 0.7)}px system-ui, sans-serif`;
          g.textAlign = "center";
          g.fillText("?", label + j * cell + cell / 2, label + i * cell + cell / 2 + 1);
        }
      }
    });
    const bad = rows.filter((r) => r.state === "up" && r.missing.length > 0).map((r) => `${r.name} does not see ${r.missing.join(", ")}`);
    this.canvas.setAttribute("aria-label", bad.length > 0 ? `half-connected: ${bad.join("; ")}` : "every node that reports its view sees every node that is up");
  }

  private hover(e: MouseEvent): void {
    const { label, cell, n } = this.layout;
    const r = this.canvas.getBoundingClientRect();
    const i = Math.floor((e.clientY - r.top - label) / cell);
    const j = Math.floor((e.clientX - r.left - label) / cell);
    if (i < 0 || j < 0 || i >= n || j >= n) {
      this.canvas.title = "";
      return;
    }
    const row = this.rows[i]!;
    const col = this.rows[j]!;
    const v = row.view?.[j];
    this.canvas.title = i === j ? row.name : `${row.name} ${v === "1" ? "sees" : v === "0" ? "does not see" : "does not report whether it sees"} ${col.name}${col.state !== "up" ? ` (${col.name} is ${col.state === "never" ? "never seen" : "down"})` : ""}`;
  }
}
