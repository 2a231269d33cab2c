// Python clients for the WebSocket tests: Debian's /usr/bin/python3 with python3-websockets,
// installed here with apt-get when missing (as root); otherwise the tests skip, saying why.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const PYTHON = "/usr/bin/python3";

function hasWebsockets(): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import websockets"], { stdio: "ignore" }).status === 0;
}

let checked: string | undefined | null = null;

/** undefined when Python with websockets is usable, else why not (the reason to skip with). */
export function pythonWebsockets(): string | undefined {
  if (checked !== null) return checked;
  if (!hasWebsockets()) {
    if (process.getuid?.() === 0) {
      try {
        const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
        execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore", env, timeout: 120_000 });
        execFileSync("apt-get", ["install", "-y", "-qq", "python3", "python3-websockets"], { stdio: "ignore", env, timeout: 300_000 });
      } catch (e) {
        return (checked = `python3-websockets is missing and apt-get could not install it (${(e as Error).message.split("\n")[0]})`);
      }
    } else return (checked = "python3-websockets is missing and installing it needs root (apt-get install python3-websockets)");
    if (!hasWebsockets()) return (checked = "python3-websockets is still not importable after apt-get install");
  }
  return (checked = undefined);
}
