// Locations tests need, independent of the working directory (this file runs from dist/test/).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES = resolve(ROOT, "fixtures/zeek-8.2.2");
export const CLI = resolve(ROOT, "dist/src/cli/main.js");

/**
 * Working directory for the processes tests spawn: nodes without a logger write their own logs
 * (cluster.log, ...) into the current directory, as Zeek does, and must not write into the repo.
 */
export const TEST_CWD = mkdtempSync(join(tmpdir(), "zeek-zmq-test-"));
