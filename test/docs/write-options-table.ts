// `npm run docs:options`: rewrites the README's options table from the option specs.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withOptionsTable } from "../../src/cli/options-doc.js";
import { ROOT } from "../paths.js";

const file = join(ROOT, "README.md");
writeFileSync(file, withOptionsTable(readFileSync(file, "utf8")));
console.log(`${file}: options table rewritten from src/cluster/option-specs.ts`);
