// The npm package as a user gets it: `npm pack` of this checkout, installed from the tarball into
// an empty project, runs `zeek-zmq --version` and the demo, and imports as ESM (and require()).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../paths.js";

const npm = (args: string[], cwd: string) => spawnSync("npm", args, { cwd, encoding: "utf8", timeout: 240_000, env: { ...process.env, npm_config_fund: "false", npm_config_audit: "false", npm_config_update_notifier: "false" } });

const hasNpm = spawnSync("npm", ["--version"], { encoding: "utf8" }).status === 0;

test("package - prepack builds, LICENSE ships, every source map's sources ship with it", { skip: hasNpm ? false : "npm is not on PATH" }, () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string>; license: string; files: string[] };
  // `npm pack` on a fresh clone (no dist/) must build first.
  assert.match(pkg.scripts["prepack"] ?? "", /npm run build/);
  assert.equal(pkg.license, "BSD-3-Clause");
  assert.match(readFileSync(join(ROOT, "LICENSE"), "utf8"), /^BSD 3-Clause License\n\nCopyright \(c\) \d{4}, the zeek-zmq authors\n/);
  const r = npm(["pack", "--dry-run", "--json", "--ignore-scripts"], ROOT);
  assert.equal(r.status, 0, r.stderr);
  const [info] = JSON.parse(r.stdout) as [{ files: { path: string }[] }];
  const files = new Set(info.files.map((f) => f.path));
  for (const f of ["LICENSE", "README.md", "package.json", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/cli/main.js", "dist/src/cli/demo.js"]) assert.ok(files.has(f), `${f} is in the package`);
  assert.ok(![...files].some((f) => f.startsWith("dist/test/") || f.startsWith("test/") || f.startsWith("bench/")), "no tests or benchmarks");
  let maps = 0;
  for (const f of files) {
    if (!f.endsWith(".js.map")) continue;
    maps++;
    const map = JSON.parse(readFileSync(join(ROOT, f), "utf8")) as { sources: string[] };
    for (const s of map.sources) {
      const source = join(f, "..", s);
      assert.ok(files.has(source), `${f} points at ${source}, which the package must ship`);
    }
  }
  assert.ok(maps > 10, "the package has source maps");
});

test("package - installed from its tarball into an empty project: npx zeek-zmq --version, the demo, import and require", { skip: hasNpm ? false : "npm is not on PATH" }, () => {
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-pack-"));
  try {
    // dist/ is built (npm test builds first); prepack's build is checked above.
    const pack = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", dir], ROOT);
    assert.equal(pack.status, 0, pack.stderr);
    const [{ filename }] = JSON.parse(pack.stdout) as [{ filename: string }];
    const app = join(dir, "app");
    spawnSync("mkdir", [app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    const install = npm(["install", "--prefer-offline", "--no-package-lock", join(dir, filename)], app);
    assert.equal(install.status, 0, install.stdout + install.stderr);

    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    const v = npm(["exec", "--offline", "--", "zeek-zmq", "--version"], app);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout, `zeek-zmq ${version}\n`);

    const demo = spawnSync(join(app, "node_modules/.bin/zeek-zmq"), ["cluster", "--duration", "5", "--status-every", "0"], { cwd: app, encoding: "utf8", timeout: 60_000 });
    assert.equal(demo.status, 0, demo.stdout + demo.stderr);
    assert.match(demo.stdout, /^manager: up /m);
    assert.match(demo.stdout, /^zeek-zmq cluster: logger logs \(.*\): cluster\.log \d+ records, demo\.log [1-9]\d* records$/m);
    assert.match(demo.stdout, /^zeek-zmq cluster: all nodes stopped$/m);

    // The library: ESM import, and require() giving the same module where Node has require(esm).
    writeFileSync(join(app, "esm.js"), `import { ClusterNode, defineEvent, z } from "zeek-zmq";\nconsole.log(typeof ClusterNode, defineEvent("A::b", [z.count], ["n"]).signature);\n`);
    const esm = spawnSync(process.execPath, ["esm.js"], { cwd: app, encoding: "utf8" });
    assert.equal(esm.status, 0, esm.stderr);
    assert.equal(esm.stdout, "function A::b(n: count)\n");
    writeFileSync(join(app, "cjs.cjs"), `const z = require("zeek-zmq");\nconsole.log(typeof z.ClusterNode);\n`);
    const cjs = spawnSync(process.execPath, ["--no-warnings", "cjs.cjs"], { cwd: app, encoding: "utf8" });
    const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
    if (major > 20 || (major === 20 && minor >= 19)) assert.equal(cjs.stdout, "function\n", cjs.stderr);
    else assert.match(cjs.stderr, /ERR_REQUIRE_ESM/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
