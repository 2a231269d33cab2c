// Docs that cannot rot: every code block of README.md and docs/*.md (new docs are picked up by
// themselves) is run or checked, in document order, one working directory per doc.
//
// How to write a block (the info string after the opening fence):
//   ```sh / ```bash       run with `bash -euo pipefail`. `zeek-zmq` and `npx zeek-zmq` run this
//                         checkout's CLI; `fixtures/`, `examples/` and `dist/` are there. The
//                         blocks run inside a private network namespace when the machine allows
//                         one (so Zeek's fixed default ports are free); otherwise on the host.
//                         A block ends what it starts: `--duration S` / `--count N`, or
//                         `cmd & pid=$!` ... `kill $pid; wait $pid`. Anything still running
//                         when the block is done is killed and fails the test. 60 s at most.
//   ```ts                 compiled (strict) against the public API only: imports of "zeek-zmq"
//                         and "node:*" and nothing else; then run with node; exit status 0
//                         within 60 s (close what you open).
//   ```js / ```mjs        run with node as an ES module (imports as for ts).
//   ```LANG file=NAME     not run: written to NAME in the working directory for later blocks
//                         (a layout ```yaml file=cluster.yaml, a script ```js file=app.mjs).
//   ```ts excerpt=PATH    not run: a part of PATH, which must contain its lines in order.
//   ```sh no-run (why)    not run, for a reason given in the parentheses (rare: the reason is
//                         required, and the block is still shown in the test output).
//   anything else         (```text, ```yaml, ```json, no language) is not run.
// Local links, and the repository files a doc names in backticks (src/….ts, docs/….md,
// examples/…, fixtures/…, test/…, bench/…), must exist.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { Proc } from "../harness/proc.js";
import { until } from "../harness/until.js";
import { CLI, ROOT } from "../paths.js";
import { docBlocks, importsOf, isRunnable, JS_LANGS, SHELL_LANGS, TS_LANGS, type DocBlock } from "./blocks.js";

const BLOCK_TIMEOUT_MS = 60_000;
const DOCS = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];

/** Shell blocks get a network namespace of their own when `unshare` and `ip` work here. */
const NETNS = spawnSync("unshare", ["--net", "sh", "-c", "ip link set lo up"], { stdio: "ignore" }).status === 0;

const WORK = mkdtempSync(join(tmpdir(), "zeek-zmq-docs-"));
process.on("exit", () => rmSync(WORK, { recursive: true, force: true }));

/** `zeek-zmq` and `npx zeek-zmq` on PATH, running this checkout. */
function shims(): string {
  const bin = join(WORK, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "zeek-zmq"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  writeFileSync(
    join(bin, "npx"),
    `#!/bin/sh\nif [ "$1" = zeek-zmq ]; then shift; exec "${process.execPath}" "${CLI}" "$@"; fi\necho "doc test: npx runs only zeek-zmq here (got: $*)" >&2\nexit 127\n`,
  );
  writeFileSync(join(bin, "node"), `#!/bin/sh\nexec "${process.execPath}" "$@"\n`);
  for (const f of ["zeek-zmq", "npx", "node"]) chmodSync(join(bin, f), 0o755);
  return bin;
}
const BIN = shims();

/** The working directory of a doc: the repository's fixtures, examples and build at hand. */
function workDir(doc: string): string {
  const dir = join(WORK, doc.replaceAll("/", "_"));
  mkdirSync(dir, { recursive: true });
  for (const d of ["fixtures", "examples", "dist"]) symlinkSync(join(ROOT, d), join(dir, d));
  return dir;
}

/** Runs `argv` in its own process group; fails on a non-zero exit, a timeout, or processes left behind. */
async function runGroup(argv: string[], cwd: string, label: string): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ""}` };
  for (const k of Object.keys(env)) if (k.startsWith("ZEEK_")) delete env[k];
  const p = Proc.spawn(argv[0]!, argv.slice(1), { label, cwd, env, detached: true, stdin: "ignore" });
  let timedOut = false;
  const code = await p.exit(BLOCK_TIMEOUT_MS).then(
    (e) => e.code,
    () => {
      timedOut = true;
      p.kill();
      return null;
    },
  );
  const output = p.output();
  // What the block started gets up to 3 s to finish exiting, then counts as left behind.
  const leftover = await until(`${label}: its processes gone`, () => p.groupAlive(), (alive) => !alive, 3000).then(
    () => false,
    () => true,
  );
  if (leftover) p.kill();
  assert.ok(!timedOut, `${label}: still running after ${BLOCK_TIMEOUT_MS / 1000} s\n${output}`);
  assert.equal(code, 0, `${label}: exit status ${code}\n${output}`);
  assert.ok(!leftover, `${label}: left processes running (end them in the block: kill $pid; wait $pid)\n${output}`);
  return output;
}

function runShell(b: DocBlock, cwd: string, n: number): Promise<string> {
  const script = join(cwd, `.block-${n}.sh`);
  writeFileSync(script, b.text);
  const bash = ["bash", "-euo", "pipefail", script];
  const argv = NETNS ? ["unshare", "--net", "sh", "-c", `ip link set lo up && exec "$0" "$@"`, ...bash] : bash;
  return runGroup(argv, cwd, `${b.doc}:${b.line}`);
}

/** Only the public API: "zeek-zmq" and Node's builtins. */
function checkImports(b: DocBlock): void {
  for (const spec of importsOf(b.text))
    assert.ok(spec === "zeek-zmq" || spec.startsWith("node:"), `${b.doc}:${b.line}: imports ${JSON.stringify(spec)}; examples use only the public API ("zeek-zmq") and node:* modules`);
}

/** Compiles every TS block of every doc with one tsc run; returns block -> compiled file. */
function compileTs(blocks: DocBlock[]): Map<DocBlock, string> {
  const dir = join(WORK, "ts");
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(ROOT, join(dir, "node_modules", "zeek-zmq"));
  const out = new Map<DocBlock, string>();
  const files: string[] = [];
  blocks.forEach((b, i) => {
    const name = `block-${i}-${b.doc.replaceAll(/\W/g, "_")}-${b.line}`;
    // A block without imports is still a module (top-level await).
    writeFileSync(join(dir, `${name}.ts`), /^\s*(import|export)\s/m.test(b.text) ? b.text : `${b.text}\nexport {};\n`);
    files.push(`${name}.ts`);
    out.set(b, join(dir, "out", `${name}.js`));
  });
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2022"],
        types: ["node"],
        typeRoots: [join(ROOT, "node_modules/@types")],
        strict: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: true,
        outDir: "out",
        rootDir: ".",
      },
      files,
    }),
  );
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8" });
  if (tsc.status !== 0) {
    // Name the doc and line of each error.
    const byFile = new Map(blocks.map((b, i) => [`block-${i}-${b.doc.replaceAll(/\W/g, "_")}-${b.line}.ts`, b]));
    const msg = tsc.stdout.replace(/^(block-\S+?\.ts)\((\d+),\d+\)/gm, (_, f: string, l: string) => {
      const b = byFile.get(f);
      return b ? `${b.doc}:${b.line + Number(l)}` : f;
    });
    assert.fail(`TypeScript blocks do not compile against the public API:\n${msg}`);
  }
  return out;
}

function checkExcerpt(b: DocBlock): void {
  const path = resolve(ROOT, b.excerpt!);
  assert.ok(existsSync(path), `${b.doc}:${b.line}: excerpt=${b.excerpt}: no such file`);
  const source = readFileSync(path, "utf8").split("\n").map((l) => l.trim());
  let at = 0;
  for (const line of b.text.split("\n").map((l) => l.trim()).filter((l) => l !== "")) {
    const i = source.indexOf(line, at);
    assert.ok(i >= 0, `${b.doc}:${b.line}: the excerpt's line ${JSON.stringify(line)} is not in ${b.excerpt} (in this order)`);
    at = i + 1;
  }
}

/** Relative links and backticked repository paths must exist. */
function checkPaths(doc: string, text: string): void {
  const base = dirname(join(ROOT, doc));
  for (const m of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
    const target = m[1]!;
    if (/^[a-z]+:/i.test(target)) continue;
    assert.ok(existsSync(resolve(base, target)), `${doc}: links to ${target}, which does not exist`);
  }
  // Files of this repository by their extension (Zeek's own tree, which docs cite too, has
  // src/… paths of .cc, .h and .zeek files and directories that are not ours).
  for (const m of text.matchAll(/`((?:src|docs|examples|fixtures|test|bench)\/[\w./-]+?\.(?:ts|js|md|json|jsonl|ya?ml|cfg|txt|log))`/g)) {
    const path = m[1]!;
    if (/\/NAME|NODE/.test(path)) continue;
    assert.ok(existsSync(join(ROOT, path)), `${doc}: names ${path}, which does not exist`);
  }
}

const all = DOCS.map((doc) => ({ doc, text: readFileSync(join(ROOT, doc), "utf8") }));
const blocksOf = new Map(all.map(({ doc, text }) => [doc, docBlocks(doc, text)]));
const tsBlocks = [...blocksOf.values()].flat().filter((b) => isRunnable(b) && TS_LANGS.has(b.lang));
let compiled: Map<DocBlock, string> | undefined;

test("docs - TypeScript blocks compile against the public API", () => {
  for (const b of tsBlocks) checkImports(b);
  compiled = compileTs(tsBlocks);
});

for (const { doc, text } of all) {
  test(`docs - ${doc}: every runnable block runs, excerpts match their files, named files exist`, async (t) => {
    checkPaths(doc, text);
    const cwd = workDir(doc);
    let n = 0;
    for (const b of blocksOf.get(doc)!) {
      n++;
      const where = `${b.doc}:${b.line}`;
      if (b.noRun !== undefined) {
        assert.notEqual(b.noRun, "", `${where}: no-run needs its reason: no-run (why)`);
        t.diagnostic(`${where}: not run: ${b.noRun}`);
        continue;
      }
      if (b.excerpt !== undefined) {
        checkExcerpt(b);
        continue;
      }
      if (b.file !== undefined) {
        writeFileSync(join(cwd, b.file), b.text);
        continue;
      }
      if (!isRunnable(b)) continue;
      await t.test(`${where} (${b.lang})`, async () => {
        if (SHELL_LANGS.has(b.lang)) await runShell(b, cwd, n);
        else if (TS_LANGS.has(b.lang)) {
          assert.ok(compiled, "the TypeScript blocks compiled");
          await runGroup([process.execPath, compiled.get(b)!], cwd, where);
        } else if (JS_LANGS.has(b.lang)) {
          checkImports(b);
          const file = join(WORK, "ts", `js-${doc.replaceAll(/\W/g, "_")}-${b.line}.mjs`);
          writeFileSync(file, b.text);
          await runGroup([process.execPath, file], cwd, where);
        }
      });
    }
  });
}
