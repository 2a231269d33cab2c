// CURVE refusals against libzmq, with the reason each side reports (wire.md §1.10): a wrong
// server key, a client key not on the allowlist (Zeek's ZAP handler / our allowedClients), and a
// plaintext peer. Plus a recording relay proving no topic or payload crosses the wire in clear.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as zmq from "zeromq";
import { HandshakeError, Pull, Push, XPub, XSub } from "../../src/transport/index.js";
import { CLIENT, OTHER, recordingRelay, tsClient, tsServer, zClient, zServer, zapHandler } from "./curve-helpers.js";
import { WAIT_MS, event, probe, take } from "./helpers.js";

type HsError = { error: Error };
/** reason and status, plus the message so a failing comparison shows what happened. */
const reasonOf = (e: HsError): [string, number | undefined, string] => {
  assert.ok(e.error instanceof HandshakeError, `expected a HandshakeError, got ${String(e.error)}`);
  return [e.error.reason, e.error.status, e.error.message];
};
const is = (e: HsError, reason: string, status?: number): void => {
  const [r, st, message] = reasonOf(e);
  assert.deepEqual([r, st], [reason, status], message);
};

/** First libzmq monitor event of `type` (bounded). */
function zevent<T = unknown>(sock: zmq.Socket, type: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no libzmq ${type} event within ${WAIT_MS} ms`)), WAIT_MS);
    sock.events.on(type as "handshake", (e: unknown) => {
      clearTimeout(t);
      resolve(e as T);
    });
  });
}

describe("CURVE refusals: TS client -> libzmq server", () => {
  test("wrong server public key: crypto on our side, ERR_ZMTP_CRYPTOGRAPHIC on libzmq's", async () => {
    const push = new Push({ ...tsClient(CLIENT, OTHER.publicKey), reconnectInterval: -1 });
    const pull = new zmq.Pull(zServer);
    try {
      await pull.bind("tcp://127.0.0.1:*");
      const zerr = zevent<{ error: { code: string } }>(pull, "handshake:error:protocol");
      const err = event<HsError>(push, "handshake:error");
      push.connect(pull.lastEndpoint!);
      is(await err, "crypto");
      assert.match((await err).error.message, /curve_server_publickey/);
      assert.equal((await zerr).error.code, "ERR_ZMTP_CRYPTOGRAPHIC");
    } finally {
      pull.close();
      await push.close();
    }
  });

  test("client key refused by Zeek's ZAP handler: auth 400 on both sides", async () => {
    const zap = zapHandler();
    const push = new Push({ ...tsClient(OTHER), reconnectInterval: -1 });
    const pull = new zmq.Pull({ ...zServer, context: zap.context });
    try {
      await pull.bind("tcp://127.0.0.1:*");
      const zerr = zevent<{ error: { status: number } }>(pull, "handshake:error:auth");
      const err = event<HsError>(push, "handshake:error");
      push.connect(pull.lastEndpoint!);
      is(await err, "auth", 400);
      assert.equal((await zerr).error.status, 400);
    } finally {
      pull.close();
      zap.close();
      await push.close();
    }
  });

  test("the allowed client key passes the same ZAP handler", async () => {
    const zap = zapHandler();
    const push = new Push(tsClient());
    const pull = new zmq.Pull({ ...zServer, context: zap.context });
    try {
      await pull.bind("tcp://127.0.0.1:*");
      push.connect(pull.lastEndpoint!);
      push.send([Buffer.from("ok")]);
      assert.deepEqual((await pull.receive()).map(String), ["ok"]);
    } finally {
      pull.close();
      zap.close();
      await push.close();
    }
  });

  test("plaintext TS client -> libzmq CURVE server: mechanism mismatch on both sides", async () => {
    const push = new Push({ reconnectInterval: -1 });
    const pull = new zmq.Pull(zServer);
    try {
      await pull.bind("tcp://127.0.0.1:*");
      const zerr = zevent<{ error: { code: string } }>(pull, "handshake:error:protocol");
      const err = event<HsError>(push, "handshake:error");
      push.connect(pull.lastEndpoint!);
      is(await err, "mechanism-mismatch");
      assert.equal((await zerr).error.code, "ERR_ZMTP_MECHANISM_MISMATCH");
    } finally {
      pull.close();
      await push.close();
    }
  });
});

describe("CURVE refusals: libzmq client -> TS server", () => {
  test("wrong server public key: crypto on our side; libzmq sees the close", async () => {
    const pull = new Pull(tsServer());
    const push = new zmq.Push({ ...zClient(CLIENT, OTHER.publicKey), reconnectInterval: -1 });
    try {
      const ep = await pull.bind("tcp://127.0.0.1:0");
      const err = event<HsError>(pull, "handshake:error");
      const zerr = zevent(push, "handshake:error:other");
      push.connect(ep);
      is(await err, "crypto");
      await zerr;
    } finally {
      push.close();
      await pull.close();
    }
  });

  test("client key not in allowedClients: ERROR 400, libzmq reports HANDSHAKE_FAILED_AUTH 400", async () => {
    const xpub = new XPub(tsServer());
    const z = new zmq.XSubscriber({ ...zClient(OTHER), reconnectInterval: -1 });
    try {
      const ep = await xpub.bind("tcp://127.0.0.1:0");
      const err = event<HsError>(xpub, "handshake:error");
      const zerr = zevent<{ error: { status: number } }>(z, "handshake:error:auth");
      z.connect(ep);
      is(await err, "auth", 400);
      assert.equal((await zerr).error.status, 400);
    } finally {
      z.close();
      await xpub.close();
    }
  });

  test("TS client not in a TS server's allowedClients: auth 400 on both sides", async () => {
    const pull = new Pull(tsServer());
    const push = new Push({ ...tsClient(OTHER), reconnectInterval: -1 });
    try {
      const ep = await pull.bind("tcp://127.0.0.1:0");
      const serr = event<HsError>(pull, "handshake:error");
      const cerr = event<HsError>(push, "handshake:error");
      push.connect(ep);
      is(await serr, "auth", 400);
      is(await cerr, "auth", 400);
    } finally {
      await push.close();
      await pull.close();
    }
  });

  test("plaintext libzmq client -> TS CURVE server: mechanism mismatch on both sides", async () => {
    const xsub = new XSub(tsServer());
    const z = new zmq.XPublisher({ linger: 0, reconnectInterval: -1 });
    try {
      const ep = await xsub.bind("tcp://127.0.0.1:0");
      const err = event<HsError>(xsub, "handshake:error");
      const zerr = zevent<{ error: { code: string } }>(z, "handshake:error:protocol");
      z.connect(ep);
      is(await err, "mechanism-mismatch");
      assert.equal((await zerr).error.code, "ERR_ZMTP_MECHANISM_MISMATCH");
    } finally {
      z.close();
      await xsub.close();
    }
  });
});

describe("CURVE on the wire", () => {
  test("no topic, node id or payload crosses a relay in clear (both directions)", async () => {
    const topic = "zeek.cluster.secret-topic";
    const payload = "payload-that-must-stay-private";
    const xpub = new zmq.XPublisher(zServer);
    await xpub.bind("tcp://127.0.0.1:*");
    const relay = await recordingRelay(xpub.lastEndpoint!);
    const xsub = new XSub(tsClient());
    try {
      xsub.connect(relay.endpoint);
      xsub.send([Buffer.from(`\x01${topic}`)]);
      assert.equal((await xpub.receive())[0]!.toString(), `\x01${topic}`);
      const got = await probe(() => xpub.send([topic, "node-7", payload]), take(xsub, 1));
      assert.deepEqual(got[0]!.map(String), [topic, "node-7", payload]);
      const wire = relay.bytes();
      assert.ok(wire.length > 64 + 200 + 168 + 257, "the relay saw the handshake");
      assert.ok(wire.includes("CURVE"), "greetings name the mechanism");
      for (const secret of [topic, "secret-topic", "node-7", payload, "Socket-Type", "XSUB"]) assert.equal(wire.includes(secret), false, `${secret} in clear`);
    } finally {
      relay.close();
      await xsub.close();
      xpub.close();
    }
  });
});
