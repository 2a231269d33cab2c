// zeek-zmq's version, from the package.json next to the build (dist/src/telemetry -> the package
// root, in the repository and in an installed package alike).
import { readFileSync } from "node:fs";

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { name?: unknown; version?: unknown };
    if (pkg.name === "zeek-zmq" && typeof pkg.version === "string") return pkg.version;
  } catch {
    // Not where a build of this package puts it (e.g. bundled): reported as "unknown".
  }
  return "unknown";
}

/** The package version, e.g. "0.1.0" ("unknown" if package.json cannot be read). */
export const ZEEK_ZMQ_VERSION: string = readVersion();
