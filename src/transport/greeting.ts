// The 64-byte ZMTP 3.x greeting (wire.md §1.1). We send all 64 bytes at once, right on connect
// or accept (never waiting for the peer's), which libzmq's staged greeting accepts.
import { DecodeError } from "../errors.js";

export const GREETING_SIZE = 64;
/** Bytes 0..10: enough to learn whether the peer speaks ZMTP 3.x at all. */
export const SIGNATURE_SIZE = 11;

export interface PeerGreeting {
  major: number;
  minor: number;
  mechanism: string;
  asServer: boolean;
}

/** Our greeting: signature, version 3.1, mechanism name NUL-padded to 20 bytes, as-server, filler. */
export function encodeGreeting(mechanism: string, asServer = false): Buffer {
  const out = Buffer.alloc(GREETING_SIZE);
  out[0] = 0xff;
  out[8] = 0x01; // padding = identity length + 1, as libzmq sends
  out[9] = 0x7f;
  out[10] = 3;
  out[11] = 1;
  out.write(mechanism, 12, 20, "latin1");
  out[32] = asServer ? 1 : 0;
  return out;
}

/**
 * Checks the first 11 bytes; throws DecodeError for peers we cannot talk to (ZMTP 1.0/2.0 or
 * not ZMTP at all), so a hostile or wrong peer is refused before it can send more.
 */
export function checkSignature(buf: Buffer): void {
  if (buf[0] !== 0xff || (buf[9]! & 1) !== 1) {
    throw new DecodeError("zmtp-greeting", "invalid", buf[0] !== 0xff ? 0 : 9, "not a ZMTP 3.x greeting (unversioned ZMTP 1.0 peers are not supported)");
  }
  const major = buf[10];
  if (major !== undefined && major < 3) {
    throw new DecodeError("zmtp-greeting", "invalid", 10, `peer speaks ZMTP major version ${major}; only ZMTP 3.x is supported`);
  }
}

/** Parses a complete greeting (the first 64 bytes of `buf`). */
export function parseGreeting(buf: Buffer): PeerGreeting {
  if (buf.length < GREETING_SIZE) throw new DecodeError("zmtp-greeting", "truncated", buf.length, "greeting shorter than 64 bytes");
  checkSignature(buf);
  let end = 12;
  while (end < 32 && buf[end] !== 0) end++;
  for (let i = end; i < 32; i++) {
    if (buf[i] !== 0) throw new DecodeError("zmtp-greeting", "invalid", i, "mechanism name is not NUL-padded");
  }
  const mechanism = buf.toString("latin1", 12, end);
  // libzmq treats any major above 3 as 3.1; minor 0 selects the 3.0 rules.
  return { major: buf[10]!, minor: buf[10] === 3 ? buf[11]! : 1, mechanism, asServer: buf[32] === 1 };
}
