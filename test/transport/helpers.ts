// Shared helpers for the transport tests: bounded waits on events, never bare sleeps.
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import type * as zmq from "zeromq";
import type { Message } from "../../src/transport/index.js";
import type { ZmtpSocket } from "../../src/transport/socket.js";
import { pollUntil } from "../harness/until.js";

/** Upper bound for any single wait; a failure shows up as a timeout, not a hang. */
export const WAIT_MS = 5000;

/** Takes exactly `n` messages from a TS socket, waiting for them (bounded). */
export async function take(sock: ZmtpSocket, n: number, ms = WAIT_MS): Promise<Message[]> {
  const signal = AbortSignal.timeout(ms);
  const out: Message[] = [];
  while (out.length < n) {
    const batch = await sock.receiveBatch(n - out.length, signal);
    if (batch.length === 0) throw new Error(`socket closed after ${out.length} of ${n} messages`);
    out.push(...batch);
  }
  return out;
}

/** Resolves with the first emission of `event`, or rejects after `ms`. */
export async function event<T = unknown>(emitter: NodeJS.EventEmitter, name: string, ms = WAIT_MS): Promise<T> {
  const [value] = (await once(emitter, name, { signal: AbortSignal.timeout(ms) })) as [T];
  return value;
}

/**
 * Calls `send` every `everyMs` until `until` settles: the usual cure for pub/sub's slow joiner
 * (a publisher drops until the subscription has arrived). `until` must be bounded itself.
 */
export async function probe<T>(send: () => unknown, until: Promise<T>, everyMs = 20): Promise<T> {
  // A probe that fails (e.g. the peer is not attached yet) is simply retried.
  const fire = (): void => void Promise.resolve(send()).catch(() => {});
  const timer = setInterval(fire, everyMs);
  try {
    fire();
    return await until;
  } finally {
    clearInterval(timer);
  }
}

/** Waits (bounded) until `cond()` holds, re-checking every few ms: for states no event announces. */
export async function until(cond: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  await pollUntil(what, cond, (v) => v, ms, 5);
}

export const hex = (msg: ReadonlyArray<Uint8Array>): string[] => msg.map((f) => Buffer.from(f.buffer, f.byteOffset, f.length).toString("hex"));

/** Messages that exercise the framing: empty frames, 255/256-byte boundary, long frames, 1 MB. */
export function testMessages(topic: string): Buffer[][] {
  const t = Buffer.from(topic);
  return [
    [t, Buffer.alloc(0), Buffer.from("node-1"), Buffer.alloc(0)],
    [t, Buffer.alloc(255, 0xa5), Buffer.alloc(256, 0x5a)],
    [t, Buffer.alloc(300, 0xab)],
    [t, randomBytes(1 << 20)],
    [t],
  ];
}

/** Which side binds when a TS socket is paired with a libzmq one. */
export type Dir = "ts-binds" | "ts-connects";
export const DIRS: readonly Dir[] = ["ts-binds", "ts-connects"];

/** Wires a TS socket and a libzmq socket together in the given direction. */
export async function wire(ts: ZmtpSocket, z: zmq.Socket, dir: Dir): Promise<void> {
  if (dir === "ts-binds") z.connect(await ts.bind("tcp://127.0.0.1:0"));
  else {
    await z.bind("tcp://127.0.0.1:*");
    ts.connect(z.lastEndpoint!);
  }
}

/** Receives `n` messages from a libzmq socket (its receiveTimeout bounds each wait). */
export async function zrecvAll(z: zmq.Readable, n: number): Promise<Buffer[][]> {
  const out: Buffer[][] = [];
  for (let i = 0; i < n; i++) out.push(await z.receive());
  return out;
}
