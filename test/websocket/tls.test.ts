// TLS (Cluster::WebSocketTLSOptions): certificates made here with openssl (installed with
// apt-get when missing, else the tests skip, saying why). wss:// with Node and Python clients,
// client certificates with enable_peer_verification, and clear refusals of bad files and pairs.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { ConfigError } from "../../src/errors.js";
import { CLI, TEST_CWD } from "../paths.js";
import { Proc } from "../harness/proc.js";
import { C, Client, dataMessageJson, S, startCluster, type TestCluster } from "./helpers.js";
import { PYTHON, pythonWebsockets } from "./python.js";

function openssl(): string | undefined {
  if (spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0) return undefined;
  if (process.getuid?.() !== 0) return "openssl is missing and installing it needs root (apt-get install openssl)";
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore", env, timeout: 120_000 });
    execFileSync("apt-get", ["install", "-y", "-qq", "openssl"], { stdio: "ignore", env, timeout: 300_000 });
  } catch (e) {
    return `openssl is missing and apt-get could not install it (${(e as Error).message.split("\n")[0]})`;
  }
  return spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0 ? undefined : "openssl still missing after apt-get install";
}

const skip = openssl();

interface Pki {
  dir: string;
  ca: string;
  cert: string;
  key: string;
  otherKey: string;
  clientCert: string;
  clientKey: string;
}

/** A CA, a server certificate for 127.0.0.1, a client certificate and an unrelated key (P-256: fast). */
function makePki(): Pki {
  const dir = mkdtempSync(join(TEST_CWD, "pki-"));
  const f = (n: string) => join(dir, n);
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  run("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=zeek-zmq test CA");
  writeFileSync(f("san.ext"), "subjectAltName=IP:127.0.0.1\n");
  run("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext");
  run("req", ...ec, "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=client");
  run("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2");
  run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", "other.key");
  return { dir, ca: f("ca.pem"), cert: f("server.pem"), key: f("server.key"), otherKey: f("other.key"), clientCert: f("client.pem"), clientKey: f("client.key") };
}

/** The close code (events.once would reject on the "error" a failed connection emits first). */
const closeCode = (ws: WebSocket) => new Promise<number>((r) => ws.on("close", (code) => r(code)));

const pingText = dataMessageJson("Demo::ping", [S("tls"), C(1)]);

describe("websocket tls", { skip }, () => {
  let pki: Pki;
  let c: TestCluster;
  before(async () => {
    pki = makePki();
    c = await startCluster({ tls: { certFile: pki.cert, keyFile: pki.key } });
  });
  after(async () => c?.close());

  test("wss:// with the certificate and key files: ping through the host, pong back", async () => {
    assert.match(c.server.url, /^wss:\/\/127\.0\.0\.1:\d+\/v1\/messages\/json$/);
    const cl = await Client.connect(c.server.url, { ca: readFileSync(pki.ca) });
    await cl.subscribe(["/demo/pong"]);
    cl.send(pingText);
    const [, pong] = await cl.waitFor(2);
    assert.match(pong!, /"Demo::pong"/);
    await cl.close();
  });

  test("a client that does not trust the certificate, or speaks plain ws://, gets no connection", async () => {
    const untrusting = new WebSocket(c.server.url);
    const [err] = (await once(untrusting, "error")) as [Error & { code?: string }];
    untrusting.on("error", () => undefined);
    assert.match(String(err.code ?? err.message), /SELF_SIGNED|UNABLE_TO_VERIFY|certificate/i);
    const plain = new WebSocket(c.server.url.replace("wss://", "ws://"));
    plain.on("error", () => undefined);
    assert.equal(await closeCode(plain), 1006);
  });

  test("a Python websockets client over wss://", { skip: pythonWebsockets() }, async () => {
    const script = `
import asyncio, json, ssl, sys, websockets
async def main():
    ctx = ssl.create_default_context(cafile=sys.argv[2])
    async with websockets.connect(sys.argv[1], ssl=ctx) as ws:
        await ws.send(json.dumps(["/demo/pong"]))
        print(json.loads(await ws.recv())["type"])
        await ws.send(sys.argv[3])
        print(json.loads(await ws.recv())["data"][2]["data"][0]["data"])
asyncio.run(main())
`;
    const py = Proc.spawn(PYTHON, ["-c", script, c.server.url, pki.ca, pingText], { label: "python TLS client", stdin: "ignore" });
    assert.equal((await py.exit()).code, 0, py.stderr);
    assert.deepEqual(py.out, ["ack", "Demo::pong"]);
  });

  test("enable_peer_verification: only clients with a certificate from ca_file get in", async () => {
    const server = await c.host.listenWebsocket({ listenPort: 0, tls: { certFile: pki.cert, keyFile: pki.key, enablePeerVerification: true, caFile: pki.ca } });
    const without = new WebSocket(server.url, { ca: readFileSync(pki.ca) });
    let opened = false;
    without.on("open", () => (opened = true));
    without.on("error", () => undefined);
    await closeCode(without);
    assert.equal(opened, false);
    const cl = await Client.connect(server.url, { ca: readFileSync(pki.ca), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) });
    await cl.subscribe([]);
    await cl.close();
    await server.close();
  });

  test("refuses to start on a key that does not belong to the certificate, and on unreadable files, saying which", async () => {
    await assert.rejects(
      c.host.listenWebsocket({ listenPort: 0, tls: { certFile: pki.cert, keyFile: pki.otherKey } }),
      (e: Error) => e instanceof ConfigError && e.message.includes("tls_options") && e.message.includes(pki.cert) && e.message.includes(pki.otherKey) && /not a usable certificate and private key pair/.test(e.message),
    );
    await assert.rejects(c.host.listenWebsocket({ listenPort: 0, tls: { certFile: join(pki.dir, "nope.pem"), keyFile: pki.key } }), /tls_options.cert_file: cannot read ".*nope\.pem"/);
    await assert.rejects(c.host.listenWebsocket({ listenPort: 0, tls: { certFile: pki.key, keyFile: pki.cert } }), /not a usable certificate and private key pair/);
  });

  test("zeek-zmq websocket refuses a bad pair before it joins the cluster: exit 1 naming both files", () => {
    // No broker listens on these endpoints: the TLS check must come first (else "no broker answered").
    const r = spawnSync(
      process.execPath,
      [CLI, "websocket", "--listen", "127.0.0.1:0", "--tls-cert", pki.cert, "--tls-key", pki.otherKey, "--connect-xsub-endpoint", "tcp://127.0.0.1:1", "--connect-xpub-endpoint", "tcp://127.0.0.1:2", "--timeout", "1"],
      { cwd: TEST_CWD, encoding: "utf8", timeout: 20_000 },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, "");
    assert.ok(r.stderr.includes(`zeek-zmq websocket: tls_options: cert_file ${JSON.stringify(pki.cert)} and key_file ${JSON.stringify(pki.otherKey)} are not a usable certificate and private key pair`), r.stderr);
    const missing = spawnSync(process.execPath, [CLI, "websocket", "--listen", "127.0.0.1:0", "--tls-cert", join(pki.dir, "nope.pem"), "--tls-key", pki.key], { cwd: TEST_CWD, encoding: "utf8", timeout: 20_000 });
    assert.equal(missing.status, 1, missing.stderr);
    assert.match(missing.stderr, /tls_options\.cert_file: cannot read ".*nope\.pem": ENOENT/);
  });
});
