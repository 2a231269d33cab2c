// The one polling wait of the tests, for states no event announces (counters on /metrics, memory,
// files, a page's text): bounded, backing off from a few ms, with the last value in the error
// (an error `get` throws fails the wait at once).
// Where an event exists (a line printed, a socket event, a message), tests await the event.

/** Default bound of every wait in the tests: generous, as test files run in parallel on slow CI machines. */
export const WAIT_MS = 20_000;

const show = (v: unknown): string => {
  const s = JSON.stringify(v, (_, x: unknown) => (typeof x === "bigint" ? String(x) : x)) ?? String(v);
  return s.length > 2000 ? `${s.slice(0, 2000)}...` : s;
};

/** What until() throws when its bound passes (callers that expect it may catch exactly this). */
export class UntilTimeout extends Error {}

/**
 * Calls `get` until `ok` holds and returns that value. Between calls it waits 5 ms, doubling up to
 * `maxEveryMs`; after `ms` it throws naming `what` and the last value.
 */
export async function until<T>(what: string, get: () => T | Promise<T>, ok: (v: T) => boolean, ms = WAIT_MS, maxEveryMs = 100): Promise<T> {
  const deadline = performance.now() + ms;
  let every = Math.min(5, maxEveryMs);
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (performance.now() > deadline) throw new UntilTimeout(`${what}: not reached within ${ms} ms (last value ${show(v)})`);
    await new Promise((r) => setTimeout(r, every));
    every = Math.min(every * 2, maxEveryMs);
  }
}

/** until() with a fixed poll interval (the name test/transport/helpers.ts uses). */
export function pollUntil<T>(what: string, get: () => T | Promise<T>, ok: (v: T) => boolean, ms: number, everyMs = 20): Promise<T> {
  return until(what, get, ok, ms, everyMs);
}
