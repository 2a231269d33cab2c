// `npm run bench -- NAME`: runs bench/NAME.ts. Each benchmark prints its measurements and ends
// with one `RESULT NAME key=value ...` line.
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith(".js") && f !== "run.js" && f !== "harness.js")
  .map((f) => f.slice(0, -3));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME   (NAME: ${available.join(", ")})`);
  process.exit(2);
}
const mod = (await import(`./${name}.js`)) as { main: (args: string[]) => Promise<void> };
await mod.main(process.argv.slice(3));
