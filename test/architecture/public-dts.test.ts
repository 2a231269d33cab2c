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
import { ClusterNode, defineEvent, z, ConfigError } from ${JSON.stringify(join(ROOT, "dist/src/index.js"))};
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
