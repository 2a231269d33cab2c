// The import graph of src/ runs one way, down the layers of docs/architecture.md, and has no
// circles. Imports are read with the TypeScript compiler's own pre-processor (static, dynamic,
// type-only and re-exports alike), so what this test sees is what tsc resolves.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { ROOT } from "../paths.js";

/**
 * Which layers each layer may import (besides itself). "shared" is src/*.ts below every layer
 * (errors, bytes, printable, suggest); "api" is src/index.ts, the package entry. A layer not listed
 * here is an error: a new folder gets its place in the picture first.
 */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  shared: [],
  transport: ["shared"],
  codec: ["shared"],
  telemetry: ["shared"],
  logging: ["shared", "transport", "codec", "telemetry"],
  cluster: ["shared", "transport", "codec", "telemetry", "logging"],
  websocket: ["shared", "transport", "codec", "telemetry", "logging", "cluster"],
  console: ["shared", "transport", "codec", "telemetry", "logging", "cluster"],
  api: ["shared", "transport", "codec", "telemetry", "logging", "cluster", "websocket", "console"],
  cli: ["shared", "transport", "codec", "telemetry", "logging", "cluster", "websocket", "console"],
};

/** The layer of a file given relative to src/. */
export function layerOf(file: string): string {
  const parts = file.split("/");
  if (parts.length === 1) return parts[0] === "index.ts" ? "api" : "shared";
  return parts[0]!;
}

/** file (relative to src/) -> the src files it imports (relative to src/). */
export function importGraph(srcDir: string): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mts)$/.test(e.name) && !e.name.endsWith(".d.ts")) files.push(relative(srcDir, p));
    }
  };
  walk(srcDir);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const info = ts.preProcessFile(readFileSync(join(srcDir, f), "utf8"), true, true);
    const deps: string[] = [];
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith(".")) continue; // a package or node: builtin
      deps.push(normalize(join(dirname(f), fileName)).replace(/\.js$/, ".ts"));
    }
    graph.set(f, deps);
  }
  return graph;
}

/** Imports from a layer to one it may not import. */
export function upwardImports(graph: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [f, deps] of graph) {
    const from = layerOf(f);
    const allowed = ALLOWED[from];
    if (allowed === undefined) {
      out.push(`${f}: layer "${from}" has no place in ALLOWED`);
      continue;
    }
    for (const d of deps) {
      const to = layerOf(d);
      if (to !== from && !allowed.includes(to)) out.push(`${f} -> ${d} (${from} may not import ${to})`);
    }
  }
  return out;
}

/** The import circles (strongly connected components of more than one file, or a self-import). */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

const SRC = join(ROOT, "src");

test("layers - no file imports a layer above its own", () => {
  const graph = importGraph(SRC);
  assert.ok(graph.size > 100, `read ${graph.size} files under ${SRC}`);
  assert.deepEqual(upwardImports(graph), []);
});

test("layers - the import graph of src/ has no circle", () => {
  assert.deepEqual(importCycles(importGraph(SRC)), []);
});

test("layers - every import resolves to a file of src/", () => {
  const graph = importGraph(SRC);
  const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${f} -> ${d}`));
  assert.deepEqual(missing, []);
});

test("layers - the checks catch an upward import and a circle", () => {
  const g = new Map<string, string[]>([
    ["transport/a.ts", ["cluster/b.ts"]],
    ["cluster/b.ts", ["cluster/c.ts", "transport/a.ts"]],
    ["cluster/c.ts", ["cluster/b.ts"]],
    ["logging/d.ts", ["cli/e.ts", "errors.ts"]],
    ["cli/e.ts", []],
    ["errors.ts", []],
    ["index.ts", ["cli/e.ts"]],
    ["extra/f.ts", []],
  ]);
  assert.deepEqual(upwardImports(g), [
    "transport/a.ts -> cluster/b.ts (transport may not import cluster)",
    "logging/d.ts -> cli/e.ts (logging may not import cli)",
    "index.ts -> cli/e.ts (api may not import cli)",
    'extra/f.ts: layer "extra" has no place in ALLOWED',
  ]);
  assert.deepEqual(importCycles(g), [["cluster/b.ts", "cluster/c.ts", "transport/a.ts"]]);
});

test("layers - ZeroMQ endpoints are parsed in one place (transport/endpoint.ts)", () => {
  // A regular expression that matches endpoint text ("tcp://", "ipc://") outside the parser is a
  // second parser; everything else calls parseEndpoint().
  const offenders: string[] = [];
  for (const f of importGraph(SRC).keys()) {
    if (f === "transport/endpoint.ts") continue;
    const text = readFileSync(join(SRC, f), "utf8");
    if (/(tcp|ipc):\\\/\\\/|\(tcp\|ipc\)|tcp\|ipc/.test(text)) offenders.push(f);
  }
  assert.deepEqual(offenders, []);
  assert.match(readFileSync(join(SRC, "transport/endpoint.ts"), "utf8"), /export function parseEndpoint/);
});
