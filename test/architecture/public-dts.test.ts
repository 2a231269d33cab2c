// The published declarations (dist/src/*.d.ts, built with stripInternal): a consumer using the
// library API compiles against them alone, and the parts marked @internal are not in them.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { ROOT } from "../paths.js";

const CONSUMER = `
import { ClusterNode, defineEvent, z, ConfigError, Sub, Push, XPub, SocketClosedError, type Message, type MessageLike } from ${JSON.stringify(join(ROOT, "dist/src/index.js"))};
const tick = defineEvent("Test::tick", [z.count, z.string]);
export async function run(signal: AbortSignal): Promise<void> {
  await using node = await new ClusterNode({ name: "x" }).start({ timeoutMs: 1000, signal });
  const handler = (i: bigint | number, s: string) => void [i, s];
  node.on(tick, handler).off(tick, handler).once(tick, handler);
  for await (const [i, s] of node.events(tick, { signal })) {
    const n: bigint | number = i;
    const t: string = s;
    void [n, t];
  }
  void ConfigError;
}

// The transport sockets as zeromq.js users write them.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export async function sockets(): Promise<void> {
  const sub = new Sub();
  sub.subscribe("t.");
  sub.connect("tcp://127.0.0.1:5556");
  const msg = await sub.receive();
  const exact: Same<typeof msg, Message> = true;
  const frames: Buffer[] = msg;
  for await (const m of sub) void m[0]!.toString();
  const batch: Message[] = sub.receiveAvailable(10);
  const push = new Push();
  const strings: MessageLike = ["Conn::LOG", Buffer.alloc(1)];
  push.send("one string");
  push.send(strings);
  const pub = new XPub();
  pub.send(["topic", new Uint8Array(3)]);
  // @ts-expect-error the connection callbacks are internal
  sub.onHandshake;
  // @ts-expect-error
  sub.onMessage;
  // @ts-expect-error
  sub.onDrain;
  // @ts-expect-error
  sub.onClosed;
  // @ts-expect-error
  sub.onReadDone;
  try {
    await sub.close();
    await sub.receive();
  } catch (err) {
    if (err instanceof SocketClosedError) void [err.code, err.socketType];
  }
  void [exact, frames, batch];
  await push.close();
  await pub.close();
}
`;

test("public .d.ts - a consumer of the library API compiles against the published declarations", () => {
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-dts-"));
  const file = join(dir, "consumer.ts");
  writeFileSync(file, CONSUMER);
  const program = ts.createProgram([file], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts"],
    types: ["node"],
    typeRoots: [join(ROOT, "node_modules/@types")],
    noEmit: true,
    skipLibCheck: false,
  });
  const diags = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  assert.deepEqual(diags, []);
});

test("public .d.ts - @internal parts are stripped", () => {
  const api = readFileSync(join(ROOT, "dist/src/cluster/node-api.d.ts"), "utf8");
  assert.doesNotMatch(api, /class EventQueue/);
  assert.doesNotMatch(api, /readonly dispatcher/);
  const node = readFileSync(join(ROOT, "dist/src/cluster/node.d.ts"), "utf8");
  assert.doesNotMatch(node, /undecodable|discoveryEvent|eventsDropped/);
  assert.match(node, /\[Symbol\.asyncDispose\]\(\): Promise<void>/);
});

test("public .d.ts - the transport sockets show users their API only: no connection callbacks, pipes or subclass hooks", () => {
  const dts = (f: string): string => readFileSync(join(ROOT, "dist/src/transport", f), "utf8");
  const socket = dts("socket.d.ts");
  for (const name of ["onHandshake", "onMessage", "onDrain", "onClosed", "onReadDone", "ConnectionOwner", "pipeAttached", "pipeDetached", "pipeMessage", "pipeConnected", "queueInbound", "enqueue", "scheduleFlush", "limitHit", "opts", "pipes", "Pipe"])
    assert.doesNotMatch(socket, new RegExp(`\\b${name}\\b`), `socket.d.ts shows ${name}`);
  assert.match(socket, /receive\(\): Promise<Message>;/);
  assert.match(socket, /\[Symbol\.asyncIterator\]\(\): AsyncGenerator<Message, void, undefined>;/);
  assert.match(socket, /receiveAvailable\(max\?: number\): Message\[\];/);
  for (const f of ["xpub.d.ts", "xsub.d.ts", "pub.d.ts", "sub.d.ts", "push.d.ts", "pull.d.ts"]) {
    const text = dts(f);
    assert.doesNotMatch(text, /\bprotected\b/, `${f} shows protected members`);
    assert.doesNotMatch(text, /\bPipe\b/, `${f} shows the internal Pipe`);
    if (f !== "pull.d.ts" && f !== "pub.d.ts") assert.match(text, /send\(_?\w+: MessageLike\): boolean;/, `${f}: send() takes MessageLike`);
  }
});
