// The CURVE mechanism (CurveZMQ, RFC 26) exactly as libzmq 4.3.x speaks it (wire.md §1.10):
// HELLO / WELCOME / INITIATE / READY handshake, then every frame travels as a MESSAGE box.
// The box primitives (X25519 + XSalsa20-Poly1305) come from libsodium; nothing here is crypto of
// our own, only the protocol's layout. Roles come from the options, not from who connected.
import { createPrivateKey, createPublicKey, generateKeyPairSync, timingSafeEqual } from "node:crypto";
import { DecodeError } from "../errors.js";
import { encodeCommand, encodeProperties, parseProperties } from "./frame.js";
import { type FrameCodec, HandshakeError, type HandshakeResult, type Mechanism, type MechanismSession } from "./mechanism.js";
import { quoted } from "../printable.js";

type Sodium = (typeof import("libsodium-wrappers"))["default"];
let lib: Sodium | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads libsodium (about 12 MB of memory, so only processes that use CURVE pay for it). A CURVE
 * socket calls this before it binds or dials, so every handshake finds it loaded.
 */
export function loadSodium(): Promise<void> {
  loading ??= import("libsodium-wrappers").then(async (m) => {
    await m.default.ready;
    lib = m.default;
  });
  return loading;
}

function na(): Sodium {
  if (lib === undefined) throw new Error("libsodium is not loaded yet (CURVE sockets load it before binding or connecting)");
  return lib;
}

/** A CURVE server: its long-term key pair and the client public keys it accepts (ZAP-style). */
export interface CurveServerKeys {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  /** Client long-term public keys allowed in; null accepts any client (libzmq without a ZAP handler). */
  allowedClients: readonly Uint8Array[] | null;
}

/** A CURVE client: the server's public key and its own long-term key pair. */
export interface CurveClientKeys {
  serverKey: Uint8Array;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

const FORMAT = "zmtp-curve";
const ASCII = (s: string): Buffer => Buffer.from(s, "latin1");
const N_HELLO = ASCII("CurveZMQHELLO---");
const N_WELCOME = ASCII("WELCOME-");
const N_COOKIE = ASCII("COOKIE--");
const N_INITIATE = ASCII("CurveZMQINITIATE");
const N_VOUCH = ASCII("VOUCH---");
const N_READY = ASCII("CurveZMQREADY---");
const N_MESSAGE_C = ASCII("CurveZMQMESSAGEC");
const N_MESSAGE_S = ASCII("CurveZMQMESSAGES");
/** A CURVE MESSAGE command's name with its length byte: what every sealed frame starts with. */
export const MESSAGE_NAME = ASCII("\x07MESSAGE");
/** MAC bytes a box adds. */
const MAC = 16;
/** Largest metadata accepted in INITIATE/READY: Socket-Type and Identity are tiny. */
const MAX_METADATA = 64 * 1024;

const nonce = (prefix: Buffer, tail: Uint8Array): Buffer => Buffer.concat([prefix, tail], 24);

function shortNonce(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(Math.floor(n / 0x1_0000_0000), 0);
  b.writeUInt32BE(n >>> 0, 4);
  return b;
}

/** Reads a big-endian uint64; values beyond 2^53 (never produced by a counter from 1) are refused. */
function readNonce(buf: Buffer, pos: number): number {
  const hi = buf.readUInt32BE(pos);
  if (hi > 0x1f_ffff) throw new DecodeError(FORMAT, "invalid", pos, "short nonce beyond 2^53");
  return hi * 0x1_0000_0000 + buf.readUInt32BE(pos + 4);
}

/** Opens a box or returns null (libsodium throws on a bad MAC). */
function openBox(box: Uint8Array, n: Uint8Array, pk: Uint8Array, sk: Uint8Array): Buffer | null {
  try {
    return toBuffer(na().crypto_box_open_easy(box, n, pk, sk));
  } catch {
    return null;
  }
}

/** A MESSAGE's body beyond its payload: name "MESSAGE" with its length byte, short nonce, MAC, inner flags. */
const MESSAGE_OVERHEAD = 8 + 8 + MAC + 1;

const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.length);
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b);

/** MESSAGE encryption with the session key; nonces count up from the handshake's. Exported for the fuzzers. */
export class CurveCodec implements FrameCodec {
  readonly overhead = MESSAGE_OVERHEAD;
  readonly prefixSize = 16;
  private readonly sendNonce = Buffer.alloc(24);
  private readonly recvNonce = Buffer.alloc(24);
  private plain = Buffer.allocUnsafe(4096);

  constructor(
    private readonly key: Uint8Array,
    asClient: boolean,
    /** Next short nonce we send. */
    private next: number,
    /** Last short nonce the peer used; its MESSAGEs must go strictly above it. */
    private peerLast: number,
  ) {
    (asClient ? N_MESSAGE_C : N_MESSAGE_S).copy(this.sendNonce);
    (asClient ? N_MESSAGE_S : N_MESSAGE_C).copy(this.recvNonce);
  }

  seal(flags: number, frame: Uint8Array, out: Buffer, pos: number): Uint8Array {
    const n = this.next++;
    const hi = Math.floor(n / 0x1_0000_0000);
    const lo = n >>> 0;
    this.sendNonce.writeUInt32BE(hi, 16);
    this.sendNonce.writeUInt32BE(lo, 20);
    const len = frame.length + 1;
    if (this.plain.length < len) this.plain = Buffer.allocUnsafe(Math.max(len, this.plain.length * 2));
    const plain = this.plain.subarray(0, len);
    plain[0] = flags;
    plain.set(frame, 1);
    MESSAGE_NAME.copy(out, pos);
    out.writeUInt32BE(hi, pos + 8);
    out.writeUInt32BE(lo, pos + 12);
    return na().crypto_box_easy_afternm(plain, this.sendNonce, this.key);
  }

  open(body: Buffer, offset: number): Buffer {
    if (body.length - offset < 8 + MAC + 1) throw new DecodeError(FORMAT, "truncated", offset, "MESSAGE shorter than nonce, MAC and flags");
    const n = readNonce(body, offset);
    if (n <= this.peerLast) throw new DecodeError(FORMAT, "invalid", offset, `MESSAGE nonce ${n} not above the previous ${this.peerLast} (replayed or reordered)`);
    body.copy(this.recvNonce, 16, offset, offset + 8);
    let plain: Uint8Array;
    try {
      plain = na().crypto_box_open_easy_afternm(body.subarray(offset + 8), this.recvNonce, this.key);
    } catch {
      throw new DecodeError(FORMAT, "invalid", offset, "MESSAGE box does not open (tampered or not from this session)");
    }
    this.peerLast = n;
    return toBuffer(plain);
  }
}

type ClientState = "hello" | "welcome" | "ready" | "done";

class ClientSession implements MechanismSession {
  codec: CurveCodec | null = null;
  private state: ClientState = "hello";
  private readonly short = na().crypto_box_keypair();
  private serverShort: Uint8Array | null = null;
  private sessionKey: Uint8Array | null = null;

  constructor(
    private readonly keys: CurveClientKeys,
    private readonly props: ReadonlyArray<readonly [string, Uint8Array]>,
  ) {}

  start(): Buffer[] {
    // HELLO: version 1.0, 72 bytes of padding (anti-amplification), C', nonce 1, Box[64 zeros](C'->S).
    const box = na().crypto_box_easy(new Uint8Array(64), nonce(N_HELLO, shortNonce(1)), this.keys.serverKey, this.short.privateKey);
    this.state = "welcome";
    return [encodeCommand("HELLO", Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(72), this.short.publicKey, shortNonce(1), box]))];
  }

  onCommand(name: string, data: Buffer): { send: Buffer[]; done?: HandshakeResult } {
    if (name === "ERROR") throw refusedByServer(data);
    if (name === "WELCOME" && this.state === "welcome") return { send: [this.initiate(data)] };
    if (name === "READY" && this.state === "ready") return { send: [], done: this.ready(data) };
    throw new HandshakeError("protocol", `unexpected ${quoted(name)} command from the CURVE server (expecting ${this.state.toUpperCase()})`);
  }

  private initiate(data: Buffer): Buffer {
    if (data.length !== 160) throw new HandshakeError("protocol", `CURVE WELCOME of ${data.length + 8} bytes; it is always 168`);
    const plain = openBox(data.subarray(16), nonce(N_WELCOME, data.subarray(0, 16)), this.keys.serverKey, this.short.privateKey);
    if (plain === null) throw new HandshakeError("crypto", "the CURVE server's WELCOME does not open: it does not hold the secret key for curve_server_publickey");
    this.serverShort = plain.subarray(0, 32);
    const cookie = plain.subarray(32, 128);
    this.sessionKey = na().crypto_box_beforenm(this.serverShort, this.short.privateKey);
    // The vouch proves that the long-term key C owns this connection's C' and meant this server S.
    const vouchNonce = na().randombytes_buf(16);
    const vouch = na().crypto_box_easy(Buffer.concat([this.short.publicKey, this.keys.serverKey]), nonce(N_VOUCH, vouchNonce), this.serverShort, this.keys.secretKey);
    const inner = Buffer.concat([this.keys.publicKey, vouchNonce, vouch, encodeProperties(this.props)]);
    const box = na().crypto_box_easy_afternm(inner, nonce(N_INITIATE, shortNonce(2)), this.sessionKey);
    this.state = "ready";
    return encodeCommand("INITIATE", Buffer.concat([cookie, shortNonce(2), box]));
  }

  private ready(data: Buffer): HandshakeResult {
    if (data.length < 8 + MAC) throw new HandshakeError("protocol", "CURVE READY too short");
    const n = readNonce(data, 0);
    let meta: Uint8Array;
    try {
      meta = na().crypto_box_open_easy_afternm(data.subarray(8), nonce(N_READY, data.subarray(0, 8)), this.sessionKey!);
    } catch {
      throw new HandshakeError("crypto", "the CURVE server's READY does not open");
    }
    this.state = "done";
    this.codec = new CurveCodec(this.sessionKey!, true, 3, n);
    return { properties: parseProperties(toBuffer(meta)) };
  }

  peerClosed(): HandshakeError | undefined {
    if (this.state === "welcome")
      return new HandshakeError("crypto", "the CURVE server closed the connection after our HELLO: curve_server_publickey does not match the server's secret key");
    if (this.state === "ready")
      return new HandshakeError("auth", "the CURVE server closed the connection after our INITIATE: it does not accept this client's public key (curve_client_publickey)");
    return undefined;
  }
}

/** ERROR from a CURVE server: a 3-digit reason is a ZAP status (libzmq's HANDSHAKE_FAILED_AUTH). */
function refusedByServer(data: Buffer): HandshakeError {
  const n = data[0] ?? 0;
  const reason = data.toString("latin1", 1, Math.min(data.length, 1 + n));
  if (/^[345]\d\d$/.test(reason)) {
    return new HandshakeError("auth", `the CURVE server refused this client (status ${reason}): check that its allowed client public key is this client's curve_client_publickey`, {
      status: Number(reason),
    });
  }
  return new HandshakeError("error-command", `the CURVE server refused the handshake: ERROR ${quoted(reason)}`);
}

type ServerState = "hello" | "initiate" | "done";

class ServerSession implements MechanismSession {
  codec: CurveCodec | null = null;
  private state: ServerState = "hello";
  private clientShort: Uint8Array | null = null;
  private short: { publicKey: Uint8Array; privateKey: Uint8Array } | null = null;
  private cookieKey: Uint8Array | null = null;

  constructor(
    private readonly keys: CurveServerKeys,
    private readonly props: ReadonlyArray<readonly [string, Uint8Array]>,
  ) {}

  start(): Buffer[] {
    return [];
  }

  onCommand(name: string, data: Buffer): { send: Buffer[]; done?: HandshakeResult } {
    if (name === "HELLO" && this.state === "hello") return { send: [this.welcome(data)] };
    if (name === "INITIATE" && this.state === "initiate") return this.initiate(data);
    throw new HandshakeError("protocol", `unexpected ${quoted(name)} command from the CURVE client (expecting ${this.state.toUpperCase()})`);
  }

  private welcome(data: Buffer): Buffer {
    if (data.length !== 194) throw new HandshakeError("protocol", `CURVE HELLO of ${data.length + 6} bytes; libzmq requires exactly 200`);
    if (data[0] !== 1 || data[1] !== 0) throw new HandshakeError("version", `CURVE HELLO version ${data[0]}.${data[1]}; only 1.0 exists`);
    const clientShort = data.subarray(74, 106);
    const hello = openBox(data.subarray(114), nonce(N_HELLO, data.subarray(106, 114)), clientShort, this.keys.secretKey);
    if (hello === null) throw new HandshakeError("crypto", "the client's CURVE HELLO does not open: its curve_server_publickey is not this server's public key");
    this.clientShort = Buffer.from(clientShort);
    this.short = na().crypto_box_keypair();
    // The cookie carries C' and s' under a key only we know (RFC 26 keeps servers stateless; we check it anyway).
    this.cookieKey = na().randombytes_buf(32);
    const cookieNonce = na().randombytes_buf(16);
    const cookie = na().crypto_secretbox_easy(Buffer.concat([this.clientShort, this.short.privateKey]), nonce(N_COOKIE, cookieNonce), this.cookieKey);
    const welcomeNonce = na().randombytes_buf(16);
    const box = na().crypto_box_easy(Buffer.concat([this.short.publicKey, cookieNonce, cookie]), nonce(N_WELCOME, welcomeNonce), this.clientShort, this.keys.secretKey);
    this.state = "initiate";
    return encodeCommand("WELCOME", Buffer.concat([welcomeNonce, box]));
  }

  private initiate(data: Buffer): { send: Buffer[]; done: HandshakeResult } {
    if (data.length < 248) throw new HandshakeError("protocol", `CURVE INITIATE of ${data.length + 9} bytes; at least 257 needed`);
    if (data.length > 248 + MAX_METADATA) throw new HandshakeError("limit", `CURVE INITIATE metadata above ${MAX_METADATA} bytes`);
    const short = this.short!;
    const clientShort = this.clientShort!;
    let cookie: Uint8Array | null = null;
    try {
      cookie = na().crypto_secretbox_open_easy(data.subarray(16, 96), nonce(N_COOKIE, data.subarray(0, 16)), this.cookieKey!);
    } catch {
      cookie = null;
    }
    if (cookie === null || !same(cookie.subarray(0, 32), clientShort) || !same(cookie.subarray(32, 64), short.privateKey))
      throw new HandshakeError("crypto", "the CURVE client's INITIATE carries a cookie that is not ours");
    const peerNonce = readNonce(data, 96);
    const key = na().crypto_box_beforenm(clientShort, short.privateKey);
    let inner: Buffer;
    try {
      inner = toBuffer(na().crypto_box_open_easy_afternm(data.subarray(104), nonce(N_INITIATE, data.subarray(96, 104)), key));
    } catch {
      throw new HandshakeError("crypto", "the CURVE client's INITIATE box does not open");
    }
    const clientKey = inner.subarray(0, 32);
    const vouch = openBox(inner.subarray(48, 128), nonce(N_VOUCH, inner.subarray(32, 48)), clientKey, short.privateKey);
    if (vouch === null || !same(vouch.subarray(0, 32), clientShort) || !same(vouch.subarray(32, 64), this.keys.publicKey))
      throw new HandshakeError("crypto", "the CURVE client's vouch is invalid: its curve_client_secretkey does not match its curve_client_publickey, or it meant another server");
    const allowed = this.keys.allowedClients;
    if (allowed !== null && !allowed.some((k) => same(k, clientKey))) {
      // What libzmq sends for ZAP status 400: ERROR "400", then it closes.
      throw new HandshakeError("auth", "refused a CURVE client whose public key is not in allowedClients (curve_client_publickey differs)", {
        status: 400,
        reply: encodeCommand("ERROR", Buffer.from("\x03400", "latin1")),
      });
    }
    const properties = parseProperties(inner.subarray(128));
    const box = na().crypto_box_easy_afternm(encodeProperties(this.props), nonce(N_READY, shortNonce(1)), key);
    this.state = "done";
    this.codec = new CurveCodec(key, false, 2, peerNonce);
    return { send: [encodeCommand("READY", Buffer.concat([shortNonce(1), box]))], done: { properties } };
  }
}

/** The CURVE mechanism for one socket: a server (with an allowlist) or a client. */
export function curveMechanism(role: { server: CurveServerKeys } | { client: CurveClientKeys }): Mechanism {
  return {
    name: "CURVE",
    frameOverhead: MESSAGE_OVERHEAD,
    session: (properties) => ("server" in role ? new ServerSession(role.server, properties) : new ClientSession(role.client, properties)),
    prepare: loadSodium,
  };
}

// Long-term keys are plain X25519 (what crypto_box_keypair makes), so Node's crypto handles them
// without loading libsodium: key generation and the key-pair check at configuration time.
const X25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

/** A fresh long-term key pair (raw 32-byte keys); see curve-keys.ts for Z85. */
export function curveKeyPairRaw(): { publicKey: Buffer; secretKey: Buffer } {
  const { publicKey, privateKey } = generateKeyPairSync("x25519");
  const pub = publicKey.export({ format: "jwk" }).x!;
  const sec = privateKey.export({ format: "jwk" }).d!;
  return { publicKey: Buffer.from(pub, "base64url"), secretKey: Buffer.from(sec, "base64url") };
}

/** The public key that belongs to a secret key (X25519 base-point multiplication). */
export function curvePublicKey(secretKey: Uint8Array): Buffer {
  const key = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, secretKey]), format: "der", type: "pkcs8" });
  return Buffer.from(createPublicKey(key).export({ format: "jwk" }).x!, "base64url");
}
