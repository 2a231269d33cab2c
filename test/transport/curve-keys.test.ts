// Zeek's CURVE settings -> socket options (wire.md §2.1): which sockets become servers or
// clients, the allowlist of the one client key, and the configuration errors Zeek also refuses.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CURVE_ENV, resolveOptions } from "../../src/cluster/options.js";
import { ConfigError } from "../../src/errors.js";
import { curveKeyPair, curveKeysFrom } from "../../src/transport/curve-keys.js";
import { Pull, Push } from "../../src/transport/index.js";
import { z85Decode } from "../../src/transport/z85.js";
import { take } from "./helpers.js";

const S = curveKeyPair();
const C = curveKeyPair();
const ALL = { curveServerPublickey: S.publicKey, curveServerSecretkey: S.secretKey, curveClientPublickey: C.publicKey, curveClientSecretkey: C.secretKey };
const NONE = { curveServerPublickey: "", curveServerSecretkey: "", curveClientPublickey: "", curveClientSecretkey: "" };

describe("curveKeysFrom", () => {
  test("all four keys: servers admit exactly the client key, clients use the server key", () => {
    const r = curveKeysFrom(ALL);
    assert.ok(r.server && r.client);
    assert.deepEqual(r.server.server.allowedClients, [z85Decode(C.publicKey)]);
    assert.deepEqual(r.client.client.serverKey, z85Decode(S.publicKey));
  });
  test("roles follow Zeek's rules; no keys = plaintext", () => {
    assert.deepEqual(curveKeysFrom(NONE), { server: null, client: null });
    // Server only: server secret + client public (what a broker host needs).
    const srv = curveKeysFrom({ ...NONE, curveServerSecretkey: S.secretKey, curveClientPublickey: C.publicKey });
    assert.ok(srv.server !== null && srv.client === null);
    // Client only: server public + client pair.
    const cli = curveKeysFrom({ ...NONE, curveServerPublickey: S.publicKey, curveClientPublickey: C.publicKey, curveClientSecretkey: C.secretKey });
    assert.ok(cli.server === null && cli.client !== null);
  });
  test("a client public key that is not 40 characters is fatal", () => {
    assert.throws(() => curveKeysFrom({ ...ALL, curveClientPublickey: C.publicKey.slice(1) }), (e: unknown) => e instanceof ConfigError && e.option === "curve_client_publickey");
  });
  test("keys that do not belong together are named by their Zeek option", () => {
    const other = curveKeyPair();
    assert.throws(
      () => curveKeysFrom({ ...ALL, curveClientPublickey: other.publicKey }),
      (e: unknown) => e instanceof ConfigError && e.option === "curve_client_publickey" && /does not belong to curve_client_secretkey/.test(e.message),
    );
    assert.throws(() => curveKeysFrom({ ...ALL, curveServerPublickey: other.publicKey }), (e: unknown) => e instanceof ConfigError && e.option === "curve_server_publickey");
  });
  test("keys from the environment work; mixing env and file keys is refused (cluster options)", () => {
    const env = Object.fromEntries(Object.entries(CURVE_ENV).map(([k, name]) => [name, ALL[k as keyof typeof ALL]]));
    const fromEnv = curveKeysFrom(resolveOptions({ env }));
    assert.ok(fromEnv.server && fromEnv.client);
    assert.throws(() => resolveOptions({ env, file: { curve_server_secretkey: S.secretKey } }), ConfigError);
  });
  test("the roles' options make working sockets", async () => {
    const r = curveKeysFrom(ALL);
    const pull = new Pull({ curve: r.server! });
    const push = new Push({ curve: r.client! });
    try {
      push.connect(await pull.bind("tcp://127.0.0.1:0"));
      push.send([Buffer.from("x")]);
      assert.equal((await take(pull, 1))[0]![0]!.toString(), "x");
    } finally {
      await push.close();
      await pull.close();
    }
  });
  test("bad socket options are ConfigErrors", () => {
    assert.throws(() => new Pull({ curve: { server: { secretKey: "short" } } }), /exactly 40 characters/);
    assert.throws(() => new Pull({ curve: { client: { serverKey: S.publicKey, publicKey: C.publicKey, secretKey: Buffer.alloc(31) } } }), /32 bytes/);
    assert.throws(() => new Pull({ curve: {} as never }), ConfigError);
  });
});
