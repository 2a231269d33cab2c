// The clients in docs/websocket.md, run as written against a zeek-zmq host: the Python one under
// Debian's python3 with python3-websockets, the browser one in headless Chromium (over the
// DevTools protocol) and in Node's own WHATWG WebSocket. Each skips, saying why, where its
// runtime is missing.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { Broker } from "../../src/cluster/broker.js";
import { ClusterNode } from "../../src/cluster/node.js";
import type { WebSocketServer } from "../../src/websocket/server.js";
import { ROOT, TEST_CWD } from "../paths.js";
import { PING, PONG } from "./helpers.js";
import { PYTHON, pythonWebsockets } from "./python.js";
import { Proc } from "../harness/proc.js";

const DOC = readFileSync(resolve(ROOT, "docs/websocket.md"), "utf8");
const DOC_URL = "ws://127.0.0.1:27759/v1/messages/json";

/** The fenced code block after `<!-- example: NAME -->`. */
function example(name: string): string {
  const m = new RegExp(`<!-- example: ${name} -->\\n\`\`\`\\w+[^\\n]*\\n([\\s\\S]*?)\\n\`\`\``).exec(DOC);
  assert.ok(m, `docs/websocket.md has the ${name} example`);
  return m[1]!;
}

function chromium(): string | undefined {
  for (const c of ["chromium", "chromium-browser", "google-chrome"]) if (spawnSync("which", [c], { stdio: "ignore" }).status === 0) return c;
  return undefined;
}

/** Evaluates `expression` (a promise) in a page of headless Chromium; resolves with its value. */
async function inChromium(bin: string, expression: string): Promise<unknown> {
  const proc = Proc.spawn(bin, ["--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0", `--user-data-dir=${mkdtempSync(join(TEST_CWD, "chromium-"))}`, "about:blank"], { label: "chromium", stdin: "ignore" });
  try {
    const port = (await proc.errLine(/DevTools listening on ws:\/\/[^:]+:(\d+)\//))[1]!;
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { type: string; webSocketDebuggerUrl: string }[];
    const page = targets.find((t) => t.type === "page")!;
    const cdp = new WebSocket(page.webSocketDebuggerUrl);
    await once(cdp, "open");
    cdp.send(JSON.stringify({ id: 1, method: "Runtime.evaluate", params: { expression, awaitPromise: true, returnByValue: true } }));
    for (;;) {
      const [data] = (await once(cdp, "message")) as [Buffer];
      const msg = JSON.parse(data.toString()) as { id?: number; result?: { result: { value: unknown }; exceptionDetails?: { text: string; exception?: { description?: string } } } };
      if (msg.id !== 1) continue;
      cdp.close();
      const ex = msg.result?.exceptionDetails;
      if (ex) throw new Error(`in Chromium: ${ex.exception?.description ?? ex.text}`);
      return msg.result!.result.value;
    }
  } finally {
    proc.kill();
  }
}

/** README's client in `lang`, in its "WebSocket API" section. */
function readmeExample(lang = "js"): string {
  const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
  const m = new RegExp(`## WebSocket API[\\s\\S]*?\`\`\`${lang}(?: [^\\n]*)?\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  assert.ok(m, `README.md has the WebSocket API client in ${lang}`);
  return m[1]!;
}

/** A client example with its console.log captured: resolves with the first line it logs. */
function browserProgram(url: string, source = example("browser-client")): string {
  return `new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error("no event within 10 s")), 10000);
    console.log = (...a) => resolve(JSON.stringify(a));
    ${source.replace(DOC_URL, url)}
  })`;
}

/** Runs a program (a promise of a string) in Node with its WHATWG WebSocket; resolves with what it printed. */
async function inNode(program: string): Promise<string> {
  const flags = Number(process.versions.node.split(".")[0]) < 22 ? ["--experimental-websocket"] : [];
  const js = Proc.spawn(process.execPath, [...flags, "--no-warnings", "-e", `${program}.then((l) => { process.stdout.write(l); process.exit(0); })`], { label: "node client", stdin: "ignore" });
  assert.equal((await js.exit()).code, 0, js.stderr);
  return js.out.join("\n");
}

describe("websocket docs - the Python and browser clients of docs/websocket.md", () => {
  let broker: Broker;
  let host: ClusterNode;
  let server: WebSocketServer;
  before(async () => {
    broker = new Broker({ listenXsubEndpoint: "tcp://127.0.0.1:0", listenXpubEndpoint: "tcp://127.0.0.1:0" });
    const { xsub, xpub } = await broker.start();
    host = new ClusterNode({ name: "manager", options: { connectXpubEndpoint: xsub, connectXsubEndpoint: xpub }, logging: { dir: TEST_CWD } });
    host.on(PING, (msg, c) => void host.publish("/demo/pong", PONG, [msg, c + 1n]));
    await host.start();
    host.subscribe("/demo/ping");
    server = await host.listenWebsocket({ listenPort: 0, events: [PONG] as never[] });
  });
  after(async () => {
    await host?.close();
    await broker?.close();
  });

  test("the Python client prints the ack and the Demo::pong event", { skip: pythonWebsockets() }, async () => {
    const py = Proc.spawn(PYTHON, ["-c", example("python-client")], { label: "python client", env: { ...process.env, ZEEK_WS: server.url }, stdin: "ignore" });
    assert.equal((await py.exit()).code, 0, py.stderr);
    assert.deepEqual(py.out, ["ack", "Demo::pong ['hi', 2]"]);
  });

  test("the browser client, in headless Chromium, logs the Demo::pong event", { skip: chromium() ? undefined : "no chromium on this machine (apt-get install chromium)" }, async () => {
    assert.equal(await inChromium(chromium()!, browserProgram(server.url)), '["Demo::pong",["hi",2]]');
  });

  test("the browser client, with Node's WHATWG WebSocket, logs the Demo::pong event", async () => {
    assert.equal(await inNode(browserProgram(server.url)), '["Demo::pong",["hi",2]]');
  });

  test("README's Python client prints the ack, then an event the host publishes to its topic", { skip: pythonWebsockets() }, async () => {
    const source = readmeExample("python");
    assert.ok(source.includes(DOC_URL));
    const py = Proc.spawn(PYTHON, ["-c", source.replace(DOC_URL, server.url)], { label: "README python client", stdin: "ignore" });
    try {
      const ack = (await py.line(/^.*$/, 0))[0];
      assert.match(ack, new RegExp(`^\\{'type': 'ack', 'endpoint': '${host.nodeId}-websocket-\\d+', 'version': '8\\.2\\.2'\\}$`));
      // The host's XPUB learns the subscription through the broker independently of the client's
      // ack: publish until the event arrives.
      const publish = () => host.publish("zeek.cluster.worker", PONG, ["readme", 3n]);
      publish();
      const again = setInterval(publish, 100);
      const msg = (await py.line(/^.*$/, 1).finally(() => clearInterval(again)))[0];
      assert.ok(msg.startsWith("{'type': 'data-message', 'topic': 'zeek.cluster.worker', '@data-type': 'vector'"), msg);
      assert.ok(msg.includes("'data': 'Demo::pong'") && msg.includes("'data': 'readme'") && msg.includes("'data': 3}"), msg);
    } finally {
      py.kill();
    }
  });

  test("README's client gets the ack", async () => {
    const [ack] = JSON.parse(await inNode(browserProgram(server.url, readmeExample()))) as [{ type: string; endpoint: string; version: string }];
    assert.equal(ack.type, "ack");
    assert.match(ack.endpoint, new RegExp(`^${host.nodeId}-websocket-\\d+$`));
  });
});
