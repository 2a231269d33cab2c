// The console's three ways in, as processes: `zeek-zmq cluster --web` (the README's demo
// command), standalone `zeek-zmq console` on a cluster of separate node processes (metricsPort
// in the layout, broker endpoints as arguments), and a layout node's `web:` option.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { startBroker, zeekZmq } from "../cli/procs.js";
import { freePort } from "../harness/ports.js";
import { until } from "../harness/until.js";

type State = { rows: Record<string, any>[]; broker: Record<string, any> | null; title: string };

function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: res.statusCode === 200 ? JSON.parse(body) : body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The console's /api/state once `ok` holds. */
function stateUntil(what: string, url: string, ok: (s: State) => boolean, headers: Record<string, string> = {}): Promise<State> {
  return until(what, async () => (await getJson(`${url}api/state`, headers)).json as State, ok);
}

function tmpDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), "zeek-zmq-console-cli-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test("console - the README's demo: cluster --web serves the console; every node up and seen, each with metrics", async (t) => {
  const p = zeekZmq(t, ["cluster", "--web", "127.0.0.1:0", "--status-every", "0"]);
  const url = (await p.line(/^console on (http:\/\/127\.0\.0\.1:\d+\/)$/))[1]!;
  const s = await stateUntil("4 nodes up (the demo's logger, manager and two workers), seeing each other, with metrics and rates", url, (s) => s.rows.length === 4 && s.rows.every((r) => r["state"] === "up" && r["sees"] === "3/3" && r["metrics"] === "ok" && r["rss"] > 0) && (s.rows.find((r) => r["name"] === "manager")?.["in"] ?? 0) > 0);
  assert.equal(s.title, "zeek-zmq cluster: demo");
  assert.equal(s.broker?.["source"], "manager", "the manager runs the broker; its counters come from its /metrics");
  assert.deepEqual(await p.stop("SIGINT"), { code: 0, signal: null });
  assert.match(p.out.join("\n"), /^zeek-zmq cluster: all nodes stopped$/m);
});

test("console - standalone on separate node processes, through the broker's endpoints; a token file", async (t) => {
  const dir = tmpDir(t);
  const broker = await startBroker(t);
  const layout = join(dir, "cluster.json");
  writeFileSync(layout, JSON.stringify({ nodes: { manager: { type: "manager", metricsPort: await freePort() }, "worker-1": { type: "worker", metricsPort: await freePort() } }, options: { run_proxy_thread: false } }));
  for (const n of ["manager", "worker-1"]) {
    const node = zeekZmq(t, ["node", "--name", n, "--layout", layout, ...broker.connect], { label: n });
    await node.line(/^ready /);
  }
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, "0123456789abcdef0123\n");
  const con = zeekZmq(t, ["console", "--web", "127.0.0.1:0", "--web-token-file", tokenFile, "--layout", layout, broker.xpub, broker.xsub]);
  const url = (await con.line(/^console on (\S+)$/))[1]!;
  assert.equal((await getJson(`${url}api/state`)).status, 401);
  const auth = { authorization: "Bearer 0123456789abcdef0123" };
  const s = await stateUntil("both nodes up, seeing each other", url, (s) => s.rows.every((r) => r["state"] === "up" && r["sees"] === "1/1" && r["metrics"] === "ok"), auth);
  assert.deepEqual(s.rows.map((r) => r["name"]), ["manager", "worker-1"]);
  assert.deepEqual(await con.stop("SIGTERM"), { code: 0, signal: null });
});

test("console - refuses a non-loopback address without a token, before it starts", async (t) => {
  const con = zeekZmq(t, ["console", "--web", "0.0.0.0:0"], { env: { ...process.env, ZEEK_ZMQ_WEB_TOKEN: "" } });
  assert.equal((await con.exit()).code, 1);
  assert.match(con.err.join("\n"), /^zeek-zmq console: --web: 0\.0\.0\.0:0 is not a loopback address: anyone who reaches it would see the cluster\. Set a token/);
});

test("console - a layout node's web: option serves the console from that node", async (t) => {
  const dir = tmpDir(t);
  const layout = join(dir, "cluster.json");
  writeFileSync(layout, JSON.stringify({ nodes: { manager: { type: "manager", web: "127.0.0.1:0" }, "worker-1": { type: "worker" } }, options: { listen_xpub_endpoint: "tcp://127.0.0.1:*", listen_xsub_endpoint: "tcp://127.0.0.1:*" } }));
  const manager = zeekZmq(t, ["node", "--name", "manager", "--layout", layout], { label: "manager" });
  const [, xpub, xsub] = await manager.line(/^broker xpub=(\S+) xsub=(\S+)$/);
  const url = (await manager.line(/^console on (\S+)$/))[1]!;
  zeekZmq(t, ["node", "--name", "worker-1", "--layout", layout, "--connect-xsub-endpoint", xpub!, "--connect-xpub-endpoint", xsub!], { label: "worker-1" });
  await stateUntil("manager and worker-1 up", url, (s) => s.rows.every((r) => r["state"] === "up"));
  assert.deepEqual(await manager.stop("SIGTERM"), { code: 0, signal: null });
});
