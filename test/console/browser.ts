// Headless Chromium for the console's browser tests: Debian's chromium driven by playwright-core.
// Installs chromium with apt-get when it is missing (as root); otherwise the caller skips with
// the reason this returns.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** A browser context, or the reason there is none (for t.skip). */
export async function launch(): Promise<{ context: BrowserContext; close: () => Promise<void> } | string> {
  let pw: typeof import("playwright-core");
  try {
    pw = await import("playwright-core");
  } catch {
    return "playwright-core is not installed (npm ci installs it as a devDependency)";
  }
  if (!existsSync(CHROMIUM)) {
    if (process.getuid?.() !== 0) return `${CHROMIUM} is missing and installing it needs root (apt-get install chromium)`;
    try {
      execFileSync("apt-get", ["update"], { stdio: "ignore", timeout: 300_000 });
      execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { stdio: "ignore", timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    } catch (e) {
      return `${CHROMIUM} is missing and apt-get could not install it: ${(e as Error).message.split("\n")[0]}`;
    }
    if (!existsSync(CHROMIUM)) return `${CHROMIUM} is still missing after apt-get install chromium`;
  }
  const profile = mkdtempSync(join(tmpdir(), "zeek-zmq-chromium-"));
  const context = await pw.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1440, height: 1400 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
