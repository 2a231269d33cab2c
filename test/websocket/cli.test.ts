// `zeek-zmq websocket` as its own process, a broker and a cluster node in two more: a WebSocket
// client talks to the node in another process through the broker, both ways; the command prints
// Zeek's lines for added and lost clients, stops on SIGTERM with 1001 "Terminating" to its
// clients, and refuses bad usage with clear messages (a bad TLS pair: tls.test.ts).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { startBroker, startNode, type BrokerProc, type NodeProc } from "../cluster/helpers/procs.js";
import { Proc } from "../harness/proc.js";
import { CLI, TEST_CWD } from "../paths.js";
import { Client, dataMessageJson, S } from "./helpers.js";

describe("websocket cli - zeek-zmq websocket, a broker and a node: three processes", () => {
  let broker: BrokerProc;
  let node: NodeProc;
  let cli: Proc;
  let url: string;
  before(async () => {
    broker = await startBroker();
    node = await startNode({ name: "worker-1", subscribe: ["/to-node"] }, broker);
    cli = Proc.node(CLI, ["websocket", "--listen", "127.0.0.1:0", "--connect-xpub-endpoint", broker.xsub, "--connect-xsub-endpoint", broker.xpub, "--log-dir", TEST_CWD], { label: "zeek-zmq websocket", cwd: TEST_CWD, stdin: "ignore" });
    url = (await cli.line(/^listening (ws:\/\/127\.0\.0\.1:\d+\/v1\/messages\/json)$/))[1]!;
  });
  after(() => {
    cli?.kill();
    node?.kill();
    broker?.kill();
  });

  test("a client's event reaches the node in another process; the node's event reaches the client", async () => {
    const cl = await Client.connect(url, { headers: { "X-Application-Name": "cli-test" } });
    const id = await cl.subscribe(["/to-ws"]);
    const added = await cli.line(/^WebSocket client '(.+)' \(127\.0\.0\.1:(\d+)\) application_name=cli-test subscribed to \[\/to-ws\]$/);
    assert.equal(added[1], id);
    // Undeclared on this host: forwarded as the self-describing value it is.
    cl.send(dataMessageJson("Demo::note", [S("from the browser")], "/to-node"));
    const ev = await node.wait("event", (l) => l["topic"] === "/to-node");
    assert.equal(ev["name"], "Demo::note");
    assert.deepEqual(ev["args"], [{ "@data-type": "string", data: "from the browser" }]);
    await node.command({ cmd: "msg", topic: "/to-ws", s: "from worker-1" }, "sent");
    const [, msg] = await cl.waitFor(2);
    assert.equal(msg, '{"type":"data-message","topic":"/to-ws","@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":"Test::msg"},{"@data-type":"vector","data":[{"@data-type":"string","data":"from worker-1"}]}]}]}');
    await cl.close(1000);
    await cli.line(new RegExp(`^WebSocket client '${id}' \\(127\\.0\\.0\\.1:\\d+\\) application_name=cli-test gone with code 1000$`));
  });

  test("SIGTERM: clients get 1001 Terminating, exit status 0", async () => {
    const cl = await Client.connect(url);
    await cl.subscribe([]);
    const exit = cli.stop("SIGTERM");
    assert.deepEqual(await cl.closed, { code: 1001, reason: "Terminating" });
    assert.equal((await exit).code, 0, cli.stderr);
  });
});

describe("websocket cli - refusals", () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, "websocket", ...args], { cwd: TEST_CWD, encoding: "utf8", timeout: 20_000 });

  test("usage errors exit 2 and say what to write", () => {
    let r = run();
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--listen ADDR:PORT is required/);
    r = run("--listen", "localhost:1");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--listen must be ADDR:PORT with an IP address/);
    r = run("--listen", "127.0.0.1:0", "--tls-cert", "x.pem");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--tls-cert and --tls-key go together/);
    r = run("--help");
    assert.equal(r.status, 0);
    assert.match(r.stdout, /usage: zeek-zmq websocket --listen ADDR:PORT/);
  });

  test("no broker: exit 1 naming the endpoints", () => {
    const r = run("--listen", "127.0.0.1:0", "--connect-xsub-endpoint", "tcp://127.0.0.1:1", "--connect-xpub-endpoint", "tcp://127.0.0.1:2", "--timeout", "1");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no broker answered within 1 s \(connect_xsub_endpoint tcp:\/\/127\.0\.0\.1:1/);
  });
});
