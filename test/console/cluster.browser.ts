// The console in a real browser (npm run test:console): headless Chromium loads the console of
// a real `zeek-zmq cluster --web` (manager with the broker, a logger, two workers publishing and
// logging, one overloaded subscriber) and the test checks what a person would see as the nodes
// come up, publish, drop, crash (SIGKILL) and come back, and as the logger writes; the tail's
// filter and pause; no errors in the page's console. Screenshots go to a temporary directory, or to
// docs/img/ with ZEEK_ZMQ_SCREENSHOTS=1 (how the README's pictures are made).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { zeekZmq } from "../cli/procs.js";
import { freePort } from "../harness/ports.js";
import { until } from "../harness/until.js";
import { ROOT } from "../paths.js";
import { launch } from "./browser.js";

const IMG = process.env["ZEEK_ZMQ_SCREENSHOTS"] === "1" ? join(ROOT, "docs/img") : mkdtempSync(join(tmpdir(), "zeek-zmq-console-shots-"));

/** The node script: workers publish Test::load and write test.log records; slow-1 handles load slowly. */
const SCRIPT = (dist: string) => `
import { defineEvent, z } from ${JSON.stringify(join(dist, "src/index.js"))};
const load = defineEvent("Test::load", [z.string, z.count], ["node", "n"]);
export default function (node, ctx) {
  if (node.name === "slow-1") {
    node.subscribe("test.load");
    // An overloaded subscriber: each event takes 2 ms, far slower than they come.
    node.on(load, () => new Promise((r) => setTimeout(r, 2)));
    return;
  }
  if (ctx.type !== "worker") return;
  let n = 0n, timer;
  ctx.ready.then(() => {
    const log = node.log.createStream({ id: "Test::LOG", columns: z.record({ ts: z.time, node: z.string, n: z.count }), path: "test" });
    timer = setInterval(() => {
      for (let i = 0; i < 40; i++) node.publish("test.load", load, [node.name, n++]);
      log.write({ ts: Date.now() / 1000, node: node.name, n });
    }, 20);
  });
  ctx.signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}
`;

async function rowState(page: Page, node: string, state: string, timeout = 30_000): Promise<void> {
  await page.waitForSelector(`tr[data-node="${node}"][data-state="${state}"]`, { timeout, state: "attached" });
}

async function cell(page: Page, node: string, column: number): Promise<string> {
  return (await page.textContent(`tr[data-node="${node}"] td:nth-child(${column})`)) ?? "";
}

async function number(page: Page, selector: string): Promise<number> {
  const t = ((await page.textContent(selector)) ?? "").trim();
  const m = /^(-?[\d.]+)([kMG]?)/.exec(t);
  if (!m) return Number.NaN;
  return Number(m[1]) * ({ "": 1, k: 1e3, M: 1e6, G: 1e9 } as Record<string, number>)[m[2]!]!;
}

/** What the page shows takes a tick or two (a second each) and a slow CI machine: generous bounds. */
const PAGE_MS = 30_000;
const isTrue = (v: boolean): boolean => v;

test("console in Chromium: a cluster comes up, publishes, drops, crashes and comes back; the logger writes; tail filter and pause", { timeout: 240_000 }, async (t) => {
  const browser = await launch();
  if (typeof browser === "string") {
    t.skip(browser);
    return;
  }
  t.after(() => browser.close());
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-console-browser-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const layout = join(dir, "cluster.json");
  writeFileSync(
    layout,
    JSON.stringify({
      managerIsLogger: false,
      nodes: {
        manager: { type: "manager" },
        "logger-1": { type: "logger", port: await freePort() },
        "worker-1": { type: "worker" },
        "worker-2": { type: "worker" },
        "slow-1": { type: "proxy" },
      },
      options: { listen_xpub_endpoint: "tcp://127.0.0.1:*", listen_xsub_endpoint: "tcp://127.0.0.1:*", onloop_queue_hwm: 1000 },
    }),
  );
  const script = join(dir, "load.mjs");
  writeFileSync(script, SCRIPT(join(ROOT, "dist")));
  mkdirSync(IMG, { recursive: true });

  const cluster = zeekZmq(t, ["cluster", layout, "--script", script, "--log-dir", join(dir, "logs"), "--web", "127.0.0.1:0", "--status-every", "0"]);
  const url = (await cluster.line(/^console on (http:\/\/\S+)$/))[1]!;
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);

  // Nodes come up: every row up, each zeek-zmq node seeing the four others.
  for (const n of ["manager", "logger-1", "worker-1", "worker-2", "slow-1"]) await rowState(page, n, "up");
  await until("every node sees 4/4", async () => (await Promise.all(["manager", "logger-1", "worker-1", "worker-2", "slow-1"].map((n) => cell(page, n, 6)))).every((s) => s === "4/4"), isTrue, PAGE_MS);
  assert.equal(await page.textContent("#sum-nodes"), "5/5 up");
  assert.equal(await page.getAttribute("#matrix-canvas", "aria-label"), "every node that reports its view sees every node that is up");
  await page.screenshot({ path: join(IMG, "console-up.png"), fullPage: true });

  // They publish: rates in the table and the header.
  await until("worker-1 publishes", async () => (await number(page, 'tr[data-node="worker-1"] td:nth-child(8)')) > 100, isTrue, PAGE_MS);
  await until("the cluster's in/s", async () => (await number(page, "#sum-in")) > 100, isTrue, PAGE_MS);

  // The overloaded subscriber drops (onloop), counted in red.
  await until("slow-1 drops", async () => (await number(page, 'tr[data-node="slow-1"] td:nth-child(10)')) > 0, isTrue, PAGE_MS);
  assert.match((await page.getAttribute('tr[data-node="slow-1"] td:nth-child(10)', "class")) ?? "", /bad/);
  await until("drops/s in the header", async () => (await number(page, "#sum-drops")) > 0, isTrue, PAGE_MS);

  // The logger writes: records/s of the test path, its test.log file, cluster.log lines.
  await page.waitForSelector('[data-logger="logger-1"] tr[data-path="test"]', { timeout: 30_000 });
  await until("test records/s", async () => (await number(page, '[data-logger="logger-1"] tr[data-path="test"] td:nth-child(2)')) > 0, isTrue, PAGE_MS);
  await page.waitForSelector('[data-logger="logger-1"] tr[data-file="test.log"]');
  await until("cluster.log lines", async () => ((await page.textContent("#cluster-log")) ?? "").includes("got hello from"), isTrue, PAGE_MS);
  await page.screenshot({ path: join(IMG, "console-load.png"), fullPage: true });

  // The tail: start with a prefix, lines of that prefix only, then pause (no new lines), then another filter.
  await page.fill("#tail-prefix", "test.load");
  await page.click("#tail-toggle");
  await page.waitForSelector("#tail-lines li.event", { timeout: 15_000 });
  await until("the tail's rate", async () => Number((await page.getAttribute("#tail-status", "data-rate")) ?? 0) > 100, isTrue, PAGE_MS);
  const topics = await page.$$eval("#tail-lines li.event .topic", (es) => es.map((e) => e.textContent));
  assert.ok(topics.length > 0 && topics.every((x) => x === "test.load"), JSON.stringify(topics));
  assert.match((await page.textContent("#tail-lines li.event .name")) ?? "", /^Test::load$/);
  assert.match((await page.textContent("#tail-lines li.event .node")) ?? "", /^worker-[12]$/, "the sender's id is shown as its node name");
  await page.screenshot({ path: join(IMG, "console-tail.png"), fullPage: true });
  await page.click("#tail-toggle");
  assert.equal(await page.getAttribute("#tail-toggle", "data-state"), "paused");
  const kept = await page.$$eval("#tail-lines li", (es) => es.length);
  // Pausing closes the page's stream. Once the console reports its tail taking 0 events/s (it
  // unsubscribed the prefix the page left; the thread itself lingers 10 s) or off, nothing more can
  // reach the page, while the workers keep publishing: no new lines by then means none at all.
  await until("the console's tail idle", async () => /· tail (0 events\/s|off)/.test((await page.textContent("#console-health")) ?? ""), isTrue, PAGE_MS);
  assert.equal(await page.$$eval("#tail-lines li", (es) => es.length), kept, "paused: no new lines");
  assert.match((await page.textContent("#tail-status")) ?? "", /^paused/);
  await page.click("#tail-clear");
  await page.fill("#tail-prefix", "no.such.topic");
  await page.click("#tail-toggle");
  await until("the other prefix's rate", async () => ((await page.textContent("#tail-status")) ?? "").startsWith('"no.such.topic": 0 events/s'), isTrue, PAGE_MS);
  assert.equal(await page.$$eval("#tail-lines li", (es) => es.length), 0, "another prefix: none of test.load");
  await page.click("#tail-toggle");

  // A crash: worker-2 killed; down for the console, the matrix shows who lost it, then it comes back.
  const pid = Number((await cluster.line(/^worker-2: starting \(pid (\d+)\)$/))[1]);
  const oldId = await cell(page, "worker-2", 4);
  process.kill(pid, "SIGKILL");
  await rowState(page, "worker-2", "down", 15_000);
  await page.screenshot({ path: join(IMG, "console-crash.png"), fullPage: true });
  await until("the crash in the console's events", async () => ((await page.textContent("#events")) ?? "").includes("worker-2: crashed (signal SIGKILL)"), isTrue, PAGE_MS);
  await rowState(page, "worker-2", "up", 30_000);
  await until("worker-2 seen by all again", async () => (await cell(page, "manager", 6)) === "4/4" && (await cell(page, "worker-2", 6)) === "4/4", isTrue, PAGE_MS);
  assert.notEqual(await cell(page, "worker-2", 4), oldId, "a new node id");
  assert.equal(await cell(page, "worker-2", 15), "1", "one restart");
  await page.click('tr[data-node="worker-2"]');
  await page.waitForSelector("#chart-node .uplot");
  await page.click("#tail-clear");
  await page.fill("#tail-prefix", "test.");
  await page.click("#tail-toggle");
  // The screenshot for the README: a screenful of tail lines.
  await until("20 tail lines", () => page.$$eval("#tail-lines li.event", (es) => es.length >= 20), isTrue, PAGE_MS);
  await page.screenshot({ path: join(IMG, "console.png"), fullPage: true });

  assert.deepEqual(errors, [], "no errors in the page's console");
  assert.deepEqual(await cluster.stop("SIGINT"), { code: 0, signal: null });
});
