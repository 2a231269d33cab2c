// The README's examples run as shipped and print what the README says.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { ROOT } from "./paths.js";

const run = (name: string) => execFileSync(process.execPath, [resolve(ROOT, "dist/examples", name)], { encoding: "utf8", timeout: 30_000 });

test("examples - events.ts encodes, decodes and prints Broker JSON", () => {
  const [line1, line2] = run("events.js").trim().split("\n");
  assert.equal(line1, "CHhAvVGS1DHFjwGM9 192.168.1.10 443/tcp 18446744073709551615n 1700000000.5");
  assert.match(line2!, /"@data-type":"count","data":18446744073709551615\}/);
  assert.match(line2!, /"2023-11-14T22:13:20.500"/);
});

test("examples - cluster.ts runs a broker and two nodes: node_up, a typed event, metrics", () => {
  const out = run("cluster.js");
  assert.match(out, /worker-1 sees node_up manager \(zeromq_manager_/);
  assert.match(out, /manager got Demo::stats from worker-1: 42 conns/);
  assert.match(out, /manager got all 10000 Demo::tick events of the burst/);
  assert.match(out, /zeek_cluster_core_incoming_events_total\{node="manager"\} [1-9]/);
});

test("examples - use only the public API (zeek-zmq) and Node's modules", () => {
  const dir = resolve(ROOT, "examples");
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
  assert.ok(files.length >= 2);
  for (const f of files)
    for (const m of readFileSync(join(dir, f), "utf8").matchAll(/^\s*import\s+(?:[^'";]+?\s+from\s+)?["']([^"']+)["']/gm))
      assert.ok(m[1] === "zeek-zmq" || m[1]!.startsWith("node:"), `examples/${f} imports ${m[1]}`);
});
