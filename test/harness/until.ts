// The one polling wait of the tests, for states no event announces (counters, memory, files):
// bounded, with the last value in the error. Where an event exists, tests await the event.

/** Polls `get` every `everyMs` until `ok` holds; throws after `ms` naming `what` and the last value. */
export async function pollUntil<T>(what: string, get: () => T | Promise<T>, ok: (v: T) => boolean, ms: number, everyMs = 20): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (performance.now() > deadline)
      throw new Error(`${what}: not reached within ${ms} ms (last value ${JSON.stringify(v, (_, x) => (typeof x === "bigint" ? String(x) : x))})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
