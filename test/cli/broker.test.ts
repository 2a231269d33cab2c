// `zeek-zmq broker` as a process: endpoints line, /metrics, clean exit on signals, clear errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import { curveKeyPair } from "../../src/transport/index.js";
import { startBroker, zeekZmq } from "./procs.js";

test("broker - prints its bound endpoints, serves the proxy counters on /metrics, exits 0 on SIGTERM", async (t) => {
  const { proc, xpub, xsub } = await startBroker(t, ["--metrics-port", "0"]);
  assert.match(xpub, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  assert.match(xsub, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(xpub, xsub);
  const url = (await proc.line(/^metrics on (\S+)$/))[1]!;
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const body = await res.text();
  for (const side of ["frontend", "backend"])
    for (const what of ["messages", "bytes"])
      for (const dir of ["received", "sent"]) assert.match(body, new RegExp(`^zeek_cluster_zeromq_proxy_${side}_${what}_${dir}_total\\{node="broker"\\} \\d+$`, "m"));
  assert.deepEqual(await proc.stop("SIGTERM"), { code: 0, signal: null });
  assert.ok(proc.err.some((l) => /SIGTERM: stopping/.test(l)), proc.err.join("\n"));
});

test("broker - exits 0 on SIGINT", async (t) => {
  const { proc } = await startBroker(t);
  assert.deepEqual(await proc.stop("SIGINT"), { code: 0, signal: null });
});

test("broker - counts what it forwards", async (t) => {
  const { proc, connect } = await startBroker(t, ["--metrics-port", "0"]);
  const url = (await proc.line(/^metrics on (\S+)$/))[1]!;
  const tap = zeekZmq(t, ["tap", ...connect, "--count", "1", "x."]);
  await tap.errLine(/subscribed/);
  const pub = zeekZmq(t, ["publish", ...connect, "x.y", "X::e(n: count)", "7"]);
  assert.equal((await pub.exit()).code, 0, pub.err.join("\n"));
  assert.equal((await tap.exit()).code, 0, tap.err.join("\n"));
  const body = await (await fetch(url)).text();
  // One 4-part event in through the XSUB (frontend) and out through the XPUB (backend).
  const value = (name: string) => Number(new RegExp(`^${name}_total\\{node="broker"\\} (\\d+)$`, "m").exec(body)?.[1]);
  assert.ok(value("zeek_cluster_zeromq_proxy_frontend_messages_received") >= 4, body);
  assert.ok(value("zeek_cluster_zeromq_proxy_backend_messages_sent") >= 4, body);
});

test("broker - a bad endpoint is a clear error", async (t) => {
  const p = zeekZmq(t, ["broker", "--xpub", "127.0.0.1:5555"]);
  assert.equal((await p.exit()).code, 2, p.err.join("\n"));
  // Named as the user wrote it: --xpub, not --listen-xpub-endpoint.
  assert.match(p.err[0]!, /^zeek-zmq broker: --xpub: "127\.0\.0\.1:5555" is not allowed; expected a ZeroMQ bind endpoint: tcp:\/\/HOST:PORT/);
  assert.equal(p.err[1], 'Run "zeek-zmq broker --help" for its options.');
});

test("broker - a port in use is a clear error", async (t) => {
  const { xpub } = await startBroker(t);
  const p = zeekZmq(t, ["broker", "--xpub", xpub, "--xsub", "tcp://127.0.0.1:0"]);
  assert.equal((await p.exit()).code, 1, p.err.join("\n"));
  assert.match(p.err.join("\n"), new RegExp(`cannot bind ${xpub.replace(/[.*]/g, "\\$&")}: .*EADDRINUSE`));
});

test("broker - unknown flags are usage errors", async (t) => {
  const p = zeekZmq(t, ["broker", "--xpubb", "tcp://127.0.0.1:0"]);
  assert.equal((await p.exit()).code, 2, p.err.join("\n"));
  assert.equal(p.err[0], "zeek-zmq broker: unknown flag --xpubb; did you mean --xpub?");
  assert.equal(p.err[1], 'Run "zeek-zmq broker --help" for its options.');
});

test("broker - CURVE: with the client key events flow encrypted; a wrong key or plaintext fails fast and clearly", async (t) => {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const stranger = curveKeyPair();
  // The broker takes Zeek's environment variables, the tools the same settings as flags.
  const env = { ...process.env, ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_SECRETKEY: server.secretKey, ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_CLIENT_PUBLICKEY: client.publicKey };
  const broker = zeekZmq(t, ["broker", "--xpub", "tcp://127.0.0.1:0", "--xsub", "tcp://127.0.0.1:0"], { env });
  const [, xpub, xsub] = await broker.line(/^broker xpub=(\S+) xsub=(\S+)$/);
  const connect = ["--connect-xsub-endpoint", xpub!, "--connect-xpub-endpoint", xsub!];
  const keys = (c: { publicKey: string; secretKey: string }) => ["--curve-server-publickey", server.publicKey, "--curve-client-publickey", c.publicKey, "--curve-client-secretkey", c.secretKey];

  const tap = zeekZmq(t, ["tap", ...connect, ...keys(client), "--count", "1", "x."]);
  await tap.errLine(/subscribed/);
  const pub = zeekZmq(t, ["publish", ...connect, ...keys(client), "x.y", "X::e(n: count)", "7"]);
  assert.equal((await pub.exit()).code, 0, pub.err.join("\n"));
  assert.equal((await tap.exit()).code, 0, tap.err.join("\n"));
  assert.match(tap.out[0]!, /"data":\[\{"@data-type":"count","data":7\}\]/);

  const wrong = zeekZmq(t, ["publish", ...connect, ...keys(stranger), "--timeout", "10", "x.y", "X::e(n: count)", "7"]);
  assert.equal((await wrong.exit()).code, 1, wrong.err.join("\n"));
  // Both of its sockets are refused; whichever handshake fails first is reported.
  assert.match(wrong.err[0]!, /^zeek-zmq publish: broker: x(pub|sub) handshake with \S+ failed \(auth\): the CURVE server refused this client/);
  const plain = zeekZmq(t, ["node", "--name", "app", ...connect]);
  assert.equal((await plain.exit()).code, 1, plain.err.join("\n"));
  assert.match(plain.err.join("\n"), /zeek-zmq node\[app\]: fatal: \w+ handshake with \S+ failed \(mechanism-mismatch\)/);
  assert.equal((await broker.stop()).code, 0);
});
