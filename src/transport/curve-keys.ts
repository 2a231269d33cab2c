// CURVE configuration: the `curve` socket option (keys as Z85 text or raw bytes), Zeek's rules
// for which sockets are CURVE servers or clients (wire.md §2.1), and key-pair generation.
import { ConfigError } from "../errors.js";
import { type CurveClientKeys, type CurveServerKeys, curveKeyPairRaw, curveMechanism, curvePublicKey } from "./curve.js";
import type { Mechanism } from "./mechanism.js";
import { curveKey, z85Encode } from "./z85.js";

/** A CURVE key: 40 characters of Z85 or 32 raw bytes. */
export type CurveKeyInput = string | Uint8Array;

/** The `curve` socket option: this socket is a CURVE server or a CURVE client. */
export type CurveOption =
  | {
    server: {
      secretKey: CurveKeyInput;
      /** Derived from secretKey when absent; must belong to it when given. */
      publicKey?: CurveKeyInput;
      /** Client public keys let in (ZAP-style); absent or null = any client that knows our public key. */
      allowedClients?: readonly CurveKeyInput[] | null;
    };
  }
  | { client: { serverKey: CurveKeyInput; publicKey: CurveKeyInput; secretKey: CurveKeyInput } };

function pair(secret: CurveKeyInput, pub: CurveKeyInput | undefined, what: string): { secretKey: Buffer; publicKey: Buffer } {
  const secretKey = curveKey(secret, `curve.${what}.secretKey`);
  const derived = curvePublicKey(secretKey);
  if (pub !== undefined && !curveKey(pub, `curve.${what}.publicKey`).equals(derived))
    throw new ConfigError(`curve.${what}.publicKey`, `does not belong to curve.${what}.secretKey (its public key is ${z85Encode(derived)})`);
  return { secretKey, publicKey: derived };
}

/** Validates the `curve` option and returns the mechanism it configures. */
export function curveMechanismFor(opt: CurveOption): Mechanism {
  if (typeof opt !== "object" || opt === null || ("server" in opt) === ("client" in opt))
    throw new ConfigError("curve", "expected { server: {...} } or { client: {...} }");
  if ("server" in opt) {
    const s = opt.server;
    const allowed = s.allowedClients ?? null;
    const keys: CurveServerKeys = {
      ...pair(s.secretKey, s.publicKey, "server"),
      allowedClients: allowed === null ? null : allowed.map((k, i) => curveKey(k, `curve.server.allowedClients[${i}]`)),
    };
    return curveMechanism({ server: keys });
  }
  const c = opt.client;
  const keys: CurveClientKeys = { serverKey: curveKey(c.serverKey, "curve.client.serverKey"), ...pair(c.secretKey, c.publicKey, "client") };
  return curveMechanism({ client: keys });
}

/** A fresh key pair in Z85, like zmq_curve_keypair. */
export function curveKeyPair(): { publicKey: string; secretKey: string } {
  const kp = curveKeyPairRaw();
  return { publicKey: z85Encode(kp.publicKey), secretKey: z85Encode(kp.secretKey) };
}

/** Zeek's four CURVE options (Z85 text, "" when unset), as a plain record: the cluster's NodeOptions is one. */
export interface CurveNodeOptions {
  readonly curveServerPublickey: string;
  readonly curveServerSecretkey: string;
  readonly curveClientPublickey: string;
  readonly curveClientSecretkey: string;
}

/** What Zeek's CURVE settings make of a process's sockets (wire.md §2.1). */
export interface CurveRoles {
  /** For the broker's XSUB/XPUB and a logger's PULL; null when they run in plaintext. */
  server: Extract<CurveOption, { server: unknown }> | null;
  /** For a node's XPUB/XSUB/PUSH; null when they run in plaintext. */
  client: Extract<CurveOption, { client: unknown }> | null;
}

/**
 * Turns resolved cluster options (which already refused a mix of env and file/flag keys) into
 * `curve` socket options, as Zeek does: a client iff server public, client secret and client
 * public keys are set; a server iff server secret and client public keys are set, letting in
 * exactly the configured client key. Throws ConfigError for keys that are not valid Z85 or do
 * not belong together.
 */
export function curveKeysFrom(o: CurveNodeOptions): CurveRoles {
  const clientPub = o.curveClientPublickey;
  if (clientPub !== "" && clientPub.length !== 40)
    throw new ConfigError("curve_client_publickey", `must be 40 characters of Z85, got ${clientPub.length}`);
  const roles: CurveRoles = { server: null, client: null };
  if (o.curveServerSecretkey !== "" && clientPub !== "") {
    roles.server = {
      server: {
        secretKey: curveKey(o.curveServerSecretkey, "curve_server_secretkey"),
        ...(o.curveServerPublickey !== "" ? { publicKey: curveKey(o.curveServerPublickey, "curve_server_publickey") } : {}),
        allowedClients: [curveKey(clientPub, "curve_client_publickey")],
      },
    };
    check(roles.server);
  }
  if (o.curveServerPublickey !== "" && o.curveClientSecretkey !== "" && clientPub !== "") {
    roles.client = {
      client: {
        serverKey: curveKey(o.curveServerPublickey, "curve_server_publickey"),
        publicKey: curveKey(clientPub, "curve_client_publickey"),
        secretKey: curveKey(o.curveClientSecretkey, "curve_client_secretkey"),
      },
    };
    check(roles.client);
  }
  return roles;
}

/** Checks that key pairs belong together now, naming Zeek's options in the error. */
function check(opt: CurveOption): void {
  try {
    curveMechanismFor(opt);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const zeek = e.option.replace(/^curve\.(server|client)\.(public|secret)Key$/, "curve_$1_$2key");
    throw new ConfigError(zeek, e.message.replace(/curve\.(server|client)\.(public|secret)Key/g, "curve_$1_$2key").replace(/^[^:]*: /, ""));
  }
}
