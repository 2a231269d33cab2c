// Running out of file descriptors, noticed. When accept() fails with EMFILE/ENFILE, libuv accepts
// the connection on a spare descriptor and closes it at once ("emfile trick"), and Node reports
// nothing: a listening socket would refuse every new peer silently. So while any socket listens,
// the process probes for a free descriptor once a second (one open/close of /dev/null) and tells
// the listening sockets when it runs out and when descriptors are free again; accepting itself
// resumes on its own (libuv keeps polling the listener).
import { closeSync, openSync } from "node:fs";

export type DescriptorListener = (exhausted: boolean, error: Error | undefined) => void;

const PROBE_MS = 1000;
const listeners = new Set<DescriptorListener>();
let timer: NodeJS.Timeout | null = null;
let exhausted = false;
let broken = false;

function probe(): void {
  try {
    closeSync(openSync("/dev/null", "r"));
    if (!exhausted) return;
    exhausted = false;
    for (const fn of [...listeners]) fn(false, undefined);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EMFILE" && code !== "ENFILE") {
      // No /dev/null to probe with (not Linux-like): nothing to watch.
      broken = true;
      stop();
      return;
    }
    if (exhausted) return;
    exhausted = true;
    for (const fn of [...listeners]) fn(true, e as Error);
  }
}

function stop(): void {
  if (timer !== null) clearInterval(timer);
  timer = null;
}

/** Calls `fn` when the process runs out of descriptors and when it has some again; returns the unsubscribe. */
export function watchDescriptors(fn: DescriptorListener): () => void {
  listeners.add(fn);
  if (timer === null && !broken) {
    timer = setInterval(probe, PROBE_MS);
    timer.unref();
  }
  return () => {
    listeners.delete(fn);
    if (listeners.size === 0) stop();
  };
}
