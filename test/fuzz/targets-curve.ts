// Fuzz targets for CURVE: the server's handshake (HELLO, INITIATE), the client's (WELCOME,
// READY, ERROR) and MESSAGE opening. Inputs are ZMTP byte streams fed through the real frame
// parser into a fresh session; a refusal (HandshakeError) counts as rejected like DecodeError,
// anything else thrown is a finding.
import { DecodeError } from "../../src/errors.js";
import { CurveCodec, curveKeyPairRaw, curveMechanism, loadSodium } from "../../src/transport/curve.js";
import { FrameParser, type FrameSink, encodeFrame } from "../../src/transport/frame.js";
import { HandshakeError, type MechanismSession } from "../../src/transport/mechanism.js";
import type { FuzzTarget } from "./harness.js";

await loadSodium(); // the targets open sessions directly, without a socket that would load it

const S = curveKeyPairRaw();
const C = curveKeyPairRaw();
const PROPS = [["Socket-Type", Buffer.from("PUSH")]] as const;
const server = curveMechanism({ server: { ...S, allowedClients: [C.publicKey] } });
const client = curveMechanism({ client: { serverKey: S.publicKey, ...C } });

/** Parses `input` as handshake frames into `sink`; a HandshakeError becomes the rejection (DecodeError). */
function feed(input: Uint8Array, sink: FrameSink): void {
  const parser = new FrameParser(1 << 16);
  parser.handshaking = true;
  try {
    parser.feed(Buffer.from(input), sink);
  } catch (e) {
    if (e instanceof HandshakeError) throw new DecodeError("zmtp-curve", "invalid", 0, e.message, { cause: e });
    throw e;
  }
}

/** Feeds `input` as ZMTP frames to `session`, as the connection does during the handshake. */
function drive(session: MechanismSession, input: Uint8Array): number {
  let sent = 0;
  feed(input, { onCommand: (name, data) => void (sent += session.onCommand(name, data).send.length), onMessage: () => {} });
  return sent;
}

/**
 * Applies `mask` (XOR) to `frame`; mask bytes past the frame are appended as garbage, so a
 * mutated mask flips, truncates (shorter frames stay whole) or extends the real bytes.
 */
function masked(frame: Buffer, mask: Uint8Array): Buffer {
  const out = Buffer.alloc(Math.max(frame.length, mask.length));
  frame.copy(out);
  for (let i = 0; i < mask.length; i++) out[i]! ^= mask[i]!;
  return out;
}

/** A live session pair up to the server's WELCOME: the client's INITIATE depends on it. */
function pair(): { c: MechanismSession; s: MechanismSession; hello: Buffer; welcome: Buffer } {
  const c = client.session(PROPS, false);
  const s = server.session(PROPS, true);
  const hello = c.start()[0]!;
  const welcome = s.onCommand("HELLO", hello.subarray(2 + 6)).send[0]!;
  return { c, s, hello, welcome };
}

const WELCOME_LEN = 2 + 168;

/** Sizes of a live INITIATE and READY frame: an all-zero mask of that size is the valid seed. */
function liveLengths(): { initiate: number; ready: number } {
  const { c, s, welcome } = pair();
  const initiate = c.onCommand("WELCOME", welcome.subarray(2 + 8)).send[0]!;
  return { initiate: initiate.length, ready: s.onCommand("INITIATE", initiate.subarray(9 + 9)).send[0]!.length };
}

/** Keys for the MESSAGE target: a fixed session key, seeds sealed with it. */
const KEY = new Uint8Array(32).fill(7);
function messages(): Uint8Array[] {
  const codec = new CurveCodec(KEY, true, 3, 0);
  const out: Uint8Array[] = [];
  for (const payload of [Buffer.alloc(0), Buffer.from("zeek.cluster.manager"), Buffer.alloc(300, 9)]) {
    const body = Buffer.alloc(16 + payload.length + 17);
    body.set(codec.seal(payload.length % 2, payload, body, 0), 16);
    out.push(encodeFrame(body));
  }
  return out;
}

export const curveTargets: FuzzTarget[] = [
  {
    // HELLO needs no server state: any client's HELLO is a valid seed.
    name: "curve-server-hello",
    seeds: () => [pair().hello],
    decode: (input) => drive(server.session(PROPS, true), input),
  },
  {
    // INITIATE must answer this server session's cookie: the input masks a live INITIATE.
    name: "curve-server-initiate",
    seeds: () => [new Uint8Array(liveLengths().initiate)],
    decode: (mask) => {
      const { c, s, welcome } = pair();
      const initiate = c.onCommand("WELCOME", welcome.subarray(2 + 8)).send[0]!;
      return drive(s, masked(initiate, mask));
    },
  },
  {
    // The input masks the live WELCOME (its first 170 bytes) and then the live READY.
    name: "curve-client-welcome-ready",
    seeds: () => [new Uint8Array(WELCOME_LEN + liveLengths().ready)],
    decode: (mask) => {
      const { c, s, welcome } = pair();
      let initiate: Buffer | undefined;
      const sink = { onCommand: (name: string, data: Buffer) => void (initiate = c.onCommand(name, data).send[0]), onMessage: () => {} };
      feed(masked(welcome, mask.subarray(0, WELCOME_LEN)), sink);
      if (initiate === undefined) return 0;
      // INITIATE is > 255 bytes: 9-byte frame header, then 1+8 bytes of name.
      const ready = s.onCommand("INITIATE", initiate.subarray(9 + 9)).send[0]!;
      return drive(c, masked(ready, mask.subarray(WELCOME_LEN)));
    },
  },
  {
    name: "curve-message",
    seeds: messages,
    decode: (input) => {
      const codec = new CurveCodec(KEY, false, 2, 2);
      let opened = 0;
      new FrameParser(1 << 16).feed(Buffer.from(input), {
        onCommand: (_name, data) => void codec.open(data, 0),
        onMessage: (msg) => {
          for (const f of msg.frames()) opened += codec.open(f, 8).length;
        },
      });
      return opened;
    },
  },
];
