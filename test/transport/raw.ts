// A raw TCP peer for wire-level tests: writes exact bytes, records every byte it receives.
import { type Server, type Socket, connect, createServer } from "node:net";
import { until } from "./helpers.js";

export class RawPeer {
  private chunks: Buffer[] = [];
  constructor(readonly sock: Socket) {
    sock.on("data", (d: Buffer) => this.chunks.push(d));
    sock.on("error", () => {});
  }

  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Waits until at least `n` bytes arrived; returns all bytes so far. */
  async bytes(n: number): Promise<Buffer> {
    await until(() => this.received.length >= n, `${n} bytes from the socket under test`);
    return this.received;
  }

  async closed(): Promise<void> {
    if (this.sock.destroyed || this.sock.readableEnded) return;
    await new Promise((r) => this.sock.once("close", r));
  }

  static async connect(endpoint: string): Promise<RawPeer> {
    const m = /^tcp:\/\/(.+):(\d+)$/.exec(endpoint)!;
    const sock = connect({ host: m[1]!, port: Number(m[2]) });
    await new Promise((r, j) => sock.once("connect", r).once("error", j));
    return new RawPeer(sock);
  }

  /** Listens on 127.0.0.1; resolves the endpoint and a promise of the first accepted peer. */
  static async listen(): Promise<{ endpoint: string; server: Server; peer: Promise<RawPeer> }> {
    let accept!: (p: RawPeer) => void;
    const peer = new Promise<RawPeer>((r) => (accept = r));
    const server = createServer((s) => accept(new RawPeer(s)));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    return { endpoint: `tcp://127.0.0.1:${port}`, server, peer };
  }
}

export const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

/** libzmq's NULL greeting (wire.md §1.1). */
export const NULL_GREETING = h(`ff 00 00 00 00 00 00 00 01 7f 03 01 4e 55 4c 4c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00`);

/** READY frames libzmq sends (wire.md §1.4). */
export const READY = (type: string): Buffer =>
  Buffer.concat([h("04 1a 05 52 45 41 44 59 0b 53 6f 63 6b 65 74 2d 54 79 70 65 00 00 00 04"), Buffer.from(type)]);
