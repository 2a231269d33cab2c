// `zeek-zmq keygen` as a user runs it: the built CLI prints a key pair that libzmq accepts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import * as zmq from "zeromq";
import { curvePublicKey } from "../../src/transport/curve.js";
import { z85Decode, z85Encode } from "../../src/transport/z85.js";
import { CLI } from "../paths.js";

function keygen(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, "keygen", ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("keygen prints public=<z85> and secret=<z85>, a matching pair, fresh each time", () => {
  const a = keygen();
  assert.equal(a.code, 0, a.stderr);
  const m = /^public=(\S{40})\nsecret=(\S{40})\n$/.exec(a.stdout);
  assert.ok(m, `unexpected output ${JSON.stringify(a.stdout)}`);
  assert.equal(z85Encode(curvePublicKey(z85Decode(m[2]!))), m[1]);
  assert.notEqual(keygen().stdout, a.stdout);
});

test("keygen keys work in libzmq: a libzmq CURVE pair connects with them", async () => {
  // Z85 has "=" in its alphabet: split at the first one only.
  const parse = (s: string) => Object.fromEntries(s.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  const server = parse(keygen().stdout);
  const client = parse(keygen().stdout);
  const pull = new zmq.Pull({ curveServer: true, curveSecretKey: server.secret!, linger: 0, receiveTimeout: 5000 });
  const push = new zmq.Push({ curveServerKey: server.public!, curvePublicKey: client.public!, curveSecretKey: client.secret!, linger: 0 });
  try {
    await pull.bind("tcp://127.0.0.1:*");
    push.connect(pull.lastEndpoint!);
    await push.send("sealed");
    assert.equal((await pull.receive())[0]!.toString(), "sealed");
  } finally {
    push.close();
    pull.close();
  }
});

test("keygen --help explains the output; extra arguments are a usage error", () => {
  const h = keygen("--help");
  assert.equal(h.code, 0);
  assert.match(h.stdout, /public=<key>/);
  const bad = keygen("--bits", "256");
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, 'zeek-zmq keygen: unknown flag --bits\nRun "zeek-zmq keygen --help" for its options.\n');
});
