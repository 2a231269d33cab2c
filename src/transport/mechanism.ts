// Security mechanisms (RFC 23 §"Security handshake"). The connection drives the handshake by
// feeding commands to the mechanism until it reports completion; data frames after the
// handshake are handed through `MechanismSession` so a mechanism that wraps frames (CURVE, in a
// later issue) can plug in without touching the connection's fast path for NULL.
import { ZeekZmqError } from "../errors.js";
import { encodeCommand, encodeProperties, parseProperties } from "./frame.js";

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
  /** True when data frames pass unchanged (NULL); a wrapping mechanism leaves this false. */
  readonly plaintext: boolean;
}

/** A mechanism: its greeting name and a factory of per-connection sessions. */
export interface Mechanism {
  /** Name in the greeting, e.g. "NULL" or "CURVE". */
  readonly name: string;
  /** `properties` are our READY metadata (Socket-Type, Identity). */
  session(properties: ReadonlyArray<readonly [string, Uint8Array]>, asServer: boolean): MechanismSession;
}

/** Failure during the handshake: what went wrong, in words a user can act on. */
export class HandshakeError extends ZeekZmqError {
  override name = "HandshakeError";
  constructor(
    /** Closed set of reasons, stable for monitoring. */
    readonly reason: "mechanism-mismatch" | "socket-type" | "protocol" | "error-command" | "timeout" | "version",
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

class NullSession implements MechanismSession {
  readonly plaintext = true;
  constructor(private readonly props: ReadonlyArray<readonly [string, Uint8Array]>) {}
  start(): Buffer[] {
    return [encodeCommand("READY", encodeProperties(this.props))];
  }
  onCommand(name: string, data: Buffer): { send: Buffer[]; done?: HandshakeResult } {
    if (name === "READY") return { send: [], done: { properties: parseProperties(data) } };
    if (name === "ERROR") {
      const n = data[0] ?? 0;
      const reason = data.toString("latin1", 1, Math.min(data.length, 1 + n));
      throw new HandshakeError("error-command", `peer refused the handshake: ERROR "${reason}"`);
    }
    throw new HandshakeError("protocol", `unexpected ${name} command during the NULL handshake`);
  }
}

/** The NULL mechanism (RFC 23): no security, one READY each way. */
export const NULL_MECHANISM: Mechanism = {
  name: "NULL",
  session: (properties) => new NullSession(properties),
};
