// The README's options table is the option specs' (src/cluster/option-specs.ts): one source.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { OPTION_SPECS } from "../../src/cluster/option-specs.js";
import { optionsMarkdownTable, TABLE_BEGIN, TABLE_END } from "../../src/cli/options-doc.js";
import { ROOT } from "../paths.js";

test("docs - the README's options table is generated from the option specs (npm run docs:options)", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const a = readme.indexOf(TABLE_BEGIN);
  const b = readme.indexOf(TABLE_END);
  assert.ok(a >= 0 && b > a, `README.md has the markers ${TABLE_BEGIN} ... ${TABLE_END}`);
  const table = readme.slice(a + TABLE_BEGIN.length, b).trim();
  assert.equal(table, optionsMarkdownTable(), "README.md's options table is stale: run npm run docs:options");
  // Every option has its row, with its flag and variable.
  for (const s of OPTION_SPECS) assert.ok(table.includes(`| \`--${s.flag}\`, \`${s.env}\` | \`${s.key}\` |`), s.key);
});
