// Shared setup for the CURVE tests: key pairs made by libzmq itself (zmq_curve_keypair), the
// matching TS / libzmq socket options, a Zeek-equivalent ZAP handler, and a recording TCP relay.
import { type Server, type Socket, connect, createServer } from "node:net";
import * as zmq from "zeromq";
import type { CurveOption } from "../../src/transport/curve-keys.js";
import { z85Decode } from "../../src/transport/z85.js";
import { WAIT_MS } from "./helpers.js";

export const SERVER = zmq.curveKeyPair();
export const CLIENT = zmq.curveKeyPair();
export const OTHER = zmq.curveKeyPair();

/** TS CURVE server admitting CLIENT only (as Zeek's handler does), or any client when `any`. */
export const tsServer = (any = false): { curve: CurveOption } => ({
  curve: { server: { secretKey: SERVER.secretKey, allowedClients: any ? null : [CLIENT.publicKey] } },
});
export const tsClient = (kp = CLIENT, serverKey = SERVER.publicKey): { curve: CurveOption } => ({
  curve: { client: { serverKey, publicKey: kp.publicKey, secretKey: kp.secretKey } },
});
export const zServer = { curveServer: true, curveSecretKey: SERVER.secretKey, linger: 0, receiveTimeout: WAIT_MS };
export const zClient = (kp = CLIENT, serverKey = SERVER.publicKey) => ({
  curveServerKey: serverKey,
  curvePublicKey: kp.publicKey,
  curveSecretKey: kp.secretKey,
  linger: 0,
});

/**
 * Zeek's ZAP handler (wire.md §1.11) in its own libzmq context: 200 for CURVE + CLIENT's key,
 * 400 otherwise. Sockets created with `context` consult it; the default context never does.
 */
export function zapHandler(): { context: zmq.Context; close: () => void } {
  const context = new zmq.Context();
  const rep = new zmq.Reply({ context, linger: 0 });
  const allowed = Buffer.from(zmqKeyBytes(CLIENT.publicKey));
  void (async () => {
    await rep.bind("inproc://zeromq.zap.01");
    for await (const f of rep) {
      const ok = f[5]?.toString() === "CURVE" && f[6] !== undefined && allowed.equals(f[6]);
      await rep.send(ok ? ["1.0", f[1]!, "200", "OK", "0", ""] : ["1.0", f[1]!, "400", "Invalid ZAP request", "", ""]);
    }
  })().catch(() => {});
  return { context, close: () => rep.close() };
}

export const zmqKeyBytes = (z85: string): Buffer => z85Decode(z85);

/** A TCP relay on 127.0.0.1 that forwards to `target` and records every byte in both directions. */
export async function recordingRelay(target: string): Promise<{ endpoint: string; bytes: () => Buffer; close: () => void }> {
  const m = /^tcp:\/\/(.+):(\d+)$/.exec(target)!;
  const chunks: Buffer[] = [];
  const socks: Socket[] = [];
  const server: Server = createServer((a) => {
    const b = connect({ host: m[1]!, port: Number(m[2]) });
    socks.push(a, b);
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      from.on("data", (d: Buffer) => {
        chunks.push(d);
        to.write(d);
      });
      from.on("error", () => to.destroy());
      from.on("close", () => to.destroy());
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `tcp://127.0.0.1:${port}`,
    bytes: () => Buffer.concat(chunks),
    close: () => {
      server.close();
      for (const s of socks) s.destroy();
    },
  };
}
