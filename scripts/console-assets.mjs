// Copies the web console's static files into dist (the npm package ships dist/src): the page and
// its style from src/console/web, and uPlot's browser build with its licence into vendor/.
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(root, "src/console/web");
const to = join(root, "dist/src/console/web");
mkdirSync(join(to, "vendor"), { recursive: true });
for (const f of readdirSync(from)) if (/\.(html|css|png|svg)$/.test(f)) copyFileSync(join(from, f), join(to, f));
const uplot = dirname(createRequire(import.meta.url).resolve("uplot/package.json"));
for (const [src, dst] of [["dist/uPlot.iife.min.js", "uPlot.iife.min.js"], ["dist/uPlot.min.css", "uPlot.min.css"], ["LICENSE", "uPlot.LICENSE.txt"]]) copyFileSync(join(uplot, src), join(to, "vendor", dst));
