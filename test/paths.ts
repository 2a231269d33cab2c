// Locations tests need, independent of the working directory (this file runs from dist/test/).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES = resolve(ROOT, "fixtures/zeek-8.2.2");
export const CLI = resolve(ROOT, "dist/src/cli/main.js");
