// Security mechanisms (RFC 23 §"Security handshake"). The connection drives the handshake by
// feeding commands to the mechanism until it reports completion. A mechanism that wraps frames
// (CURVE) hands the connection a `FrameCodec` at that point; NULL has none, so its data path
// stays untouched.
import { ZeekZmqError } from "../errors.js";
import { encodeCommand, encodeProperties, parseProperties } from "./frame.js";
import type { LimitReason } from "./limits.js";
import { quoted } from "../printable.js";

/** What the connection learns from a finished handshake. */
export interface HandshakeResult {
  /** The peer's metadata (Socket-Type, Identity, X-...), case as sent. */
  properties: Map<string, Buffer>;
}

/** The per-connection half of a mechanism. */
export interface MechanismSession {
  /** Commands to send right after the greeting exchange. */
  start(): Buffer[];
  /**
   * Handles one handshake command. Returns commands to send, and `done` once the handshake is
   * complete. Throws HandshakeError (or DecodeError) to refuse the peer.
   */
  onCommand(name: string, data: Buffer): { send: Buffer[]; done?: HandshakeResult };
  /** For a wrapping mechanism: encrypts/decrypts frames once the handshake is done; null before and for NULL. */
  readonly codec: FrameCodec | null;
  /** Explains why the peer closed during the handshake, when the mechanism can tell (e.g. a wrong CURVE key). */
  peerClosed?(): HandshakeError | undefined;
}

/** Inner flags of a wrapped frame: libzmq's msg flags (MORE, COMMAND), not the ZMTP ones. */
export const WRAP_MORE = 0x01;
export const WRAP_COMMAND = 0x02;

/**
 * Per-connection frame encryption after the handshake (CURVE MESSAGE). Every ZMTP frame becomes
 * one wrapped frame of `overhead` more bytes, sent as a plain data frame (wire.md §1.10).
 */
export interface FrameCodec {
  /** Bytes a wrapped frame's body has on top of the payload. */
  readonly overhead: number;
  /**
   * Seals one frame (`flags`: WRAP_MORE / WRAP_COMMAND). Writes the body's first
   * `overhead - box.length + payload length` bytes (name and nonce) at out[pos] and returns the
   * box, which the caller writes right after them. Nonces are consumed in call order, so write
   * the results in the order they were sealed.
   */
  seal(flags: number, frame: Uint8Array, out: Buffer, pos: number): Uint8Array;
  /** Bytes seal() writes before the box. */
  readonly prefixSize: number;
  /**
   * Opens one wrapped body; `body[offset]` is the first byte after the command name. Returns the
   * inner flags byte followed by the payload. Throws DecodeError for a bad box or nonce.
   */
  open(body: Buffer, offset: number): Buffer;
}

/** A mechanism: its greeting name and a factory of per-connection sessions. */
export interface Mechanism {
  /** Name in the greeting, e.g. "NULL" or "CURVE". */
  readonly name: string;
  /** Bytes a wrapped frame adds on the wire (CURVE: 33), so maxMessageSize applies to the payload. */
  readonly frameOverhead?: number;
  /** Loads what sessions need (e.g. a crypto library); awaited before binding or dialing. */
  prepare?(): Promise<void>;
  /** `properties` are our READY metadata (Socket-Type, Identity). */
  session(properties: ReadonlyArray<readonly [string, Uint8Array]>, asServer: boolean): MechanismSession;
}

/** Failure during the handshake: what went wrong, in words a user can act on. */
export class HandshakeError extends ZeekZmqError {
  override name = "HandshakeError";
  constructor(
    /** Closed set of reasons, stable for monitoring. */
    readonly reason: "mechanism-mismatch" | "socket-type" | "protocol" | "error-command" | "timeout" | "version" | "auth" | "crypto" | "limit",
    message: string,
    options?: ErrorOptions & {
      /** For "auth": the ZAP status (300/400/500) when known, as libzmq's HANDSHAKE_FAILED_AUTH event reports. */
      status?: number;
      /** Bytes to send to the peer before closing (e.g. ERROR "400"). */
      reply?: Buffer;
      /** The resource limit the peer hit, if that is why it is refused (reported as a "limit" event). */
      limit?: LimitReason;
    },
  ) {
    super(message, options);
    this.status = options?.status;
    this.reply = options?.reply;
    this.limit = options?.limit;
  }

  readonly status: number | undefined;
  readonly reply: Buffer | undefined;
  readonly limit: LimitReason | undefined;
}

class NullSession implements MechanismSession {
  readonly codec = null;
  constructor(private readonly props: ReadonlyArray<readonly [string, Uint8Array]>) {}
  start(): Buffer[] {
    return [encodeCommand("READY", encodeProperties(this.props))];
  }

  onCommand(name: string, data: Buffer): { send: Buffer[]; done?: HandshakeResult } {
    if (name === "READY") return { send: [], done: { properties: parseProperties(data) } };
    if (name === "ERROR") {
      const n = data[0] ?? 0;
      const reason = data.toString("latin1", 1, Math.min(data.length, 1 + n));
      throw new HandshakeError("error-command", `peer refused the handshake: ERROR ${quoted(reason)}`);
    }
    throw new HandshakeError("protocol", `unexpected ${quoted(name)} command during the NULL handshake`);
  }
}

/** The NULL mechanism (RFC 23): no security, one READY each way. */
export const NULL_MECHANISM: Mechanism = {
  name: "NULL",
  session: (properties) => new NullSession(properties),
};
