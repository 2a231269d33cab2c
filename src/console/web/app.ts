// The console page: one EventSource on /api/events (a snapshot, then a tick a second with what
// changed) feeding the views. No framework: the views keep their elements and update text.
import { Chart } from "./charts.js";
import { byId, clock, duration, num, setClass, setText } from "./dom.js";
import { Matrix } from "./matrix.js";
import { NodeTable } from "./nodes.js";
import { addClusterLog, addEvents, LineList, renderBroker, renderLoggers } from "./panels.js";
import { TailPanel } from "./tail.js";
import type { Row, Snapshot, Tick } from "./types.js";

const status = byId("status");
const table = new NodeTable(byId("nodes"), (name) => select(name));
const matrix = new Matrix(byId("matrix"));
const events = new LineList(byId("events"), 300);
const clusterLog = new LineList(byId("cluster-log"), 300);
const rates = new Chart(byId("chart-rates"), "Events/s (cluster)", [
  { label: "in", stroke: "#4aa3ff" },
  { label: "out", stroke: "#a78bfa" },
]);
const drops = new Chart(byId("chart-drops"), "Drops/s (xpub + onloop)", [{ label: "drops", stroke: "#ff5d52" }]);
const flow = new Chart(byId("chart-flow"), "Broker frames out/s · log records/s", [
  { label: "broker", stroke: "#e0b03a" },
  { label: "log records", stroke: "#4cc38a" },
]);
let nodeChart: Chart | undefined;
let selected: string | undefined;
const ids = new Map<string, string>();
let lastTick = 0;

const tail = new TailPanel((id) => ids.get(id));

function select(name: string): void {
  selected = name;
  table.selected = name;
  const host = byId("chart-node");
  host.replaceChildren();
  setText(byId("node-title"), `${name}: in/s, out/s, drops/s, CPU %`);
  nodeChart = new Chart(host, name, [
    { label: "in", stroke: "#4aa3ff" },
    { label: "out", stroke: "#a78bfa" },
    { label: "drops", stroke: "#ff5d52" },
    { label: "CPU %", stroke: "#9aa4b1" },
  ]);
  void fetch(`api/history?node=${encodeURIComponent(name)}`)
    .then((r) => (r.ok ? (r.json() as Promise<(number | null)[][]>) : undefined))
    .then((h) => h && selected === name && nodeChart?.reset(h));
}

function summary(rows: readonly Row[], point: (number | null)[], brokerConnected: boolean): void {
  const up = rows.filter((r) => r.state === "up").length;
  const half = rows.filter((r) => r.state === "up" && r.missing.length > 0).length;
  setText(byId("sum-nodes"), `${up}/${rows.length} up${half > 0 ? `, ${half} half-connected` : ""}`);
  setClass(byId("sum-nodes"), `pill ${up === rows.length && half === 0 ? "good" : half > 0 || up < rows.length ? "warn" : ""}`);
  setText(byId("sum-in"), `${num(point[1])} in/s`);
  setText(byId("sum-out"), `${num(point[2])} out/s`);
  setText(byId("sum-drops"), `${num(point[3])} drops/s`);
  setClass(byId("sum-drops"), `pill ${(point[3] ?? 0) > 0 ? "bad" : ""}`);
  setText(byId("sum-broker"), brokerConnected ? "broker connected" : "broker unreachable");
  setClass(byId("sum-broker"), `pill ${brokerConnected ? "good" : "bad"}`);
}

function apply(m: Tick, full: boolean): void {
  lastTick = Date.now();
  document.title = m.title;
  setText(byId("title"), m.title);
  table.apply(m.rows, m.names);
  for (const r of m.rows) if (r.id !== null) ids.set(r.id, r.name);
  if (ids.size > 10_000) ids.clear();
  const rows = table.all;
  table.render(m.t);
  matrix.draw(rows);
  summary(rows, m.point, m.brokerConnected);
  renderBroker(byId("broker"), m.broker);
  renderLoggers(byId("loggers"), m.loggers);
  if (full) {
    events.clear();
    clusterLog.clear();
  }
  addEvents(events, m.events);
  addClusterLog(clusterLog, m.clusterLog);
  const c = m.console;
  // A snapshot taken before the console's first tick has no health yet.
  if (c?.tail !== undefined)
    setText(byId("console-health"), `console: gathering took ${c.tickWallMs} ms (${c.tickCpuMs} ms CPU) · tail ${c.tail.running ? `${num(c.tail.rate)} events/s, ${c.tail.cpuPct}% CPU` : "off"}${c.extraRefused > 0 ? ` · ${c.extraRefused} nodes not shown (limit)` : ""}`);
  if (!full) {
    rates.push([m.point[0] ?? null, m.point[1] ?? null, m.point[2] ?? null]);
    drops.push([m.point[0] ?? null, m.point[3] ?? null]);
    flow.push([m.point[0] ?? null, m.point[4] ?? null, m.point[5] ?? null]);
    const sel = selected === undefined ? undefined : rows.find((r) => r.name === selected);
    if (sel && nodeChart) nodeChart.push([m.point[0] ?? null, sel.in, sel.out, sel.dropRate, sel.cpu]);
  }
}

function connect(): void {
  const es = new EventSource("api/events");
  es.addEventListener("snapshot", (e) => {
    const s = JSON.parse((e as MessageEvent<string>).data) as Snapshot;
    apply(s, true);
    const h = s.history;
    rates.reset([h[0]!, h[1]!, h[2]!]);
    drops.reset([h[0]!, h[3]!]);
    flow.reset([h[0]!, h[4]!, h[5]!]);
    setText(status, "live");
    setClass(status, "pill good");
  });
  es.addEventListener("tick", (e) => apply(JSON.parse((e as MessageEvent<string>).data) as Tick, false));
  es.onerror = () => {
    setText(status, "reconnecting…");
    setClass(status, "pill bad");
  };
}

// A page that stops hearing from the console says so instead of showing old numbers as live.
setInterval(() => {
  if (lastTick !== 0 && Date.now() - lastTick > 3000) {
    setText(status, `no update for ${duration(Date.now() - lastTick)} (last ${clock(lastTick)})`);
    setClass(status, "pill bad");
  }
}, 1000);

connect();
void tail;
