// A Server-Sent Events reader for the console tests (no browser): GET a stream and await the
// events it delivers, by name and condition.
import { request, type IncomingMessage } from "node:http";

export interface SseEvent {
  event: string;
  data: unknown;
}

export class SseStream {
  readonly events: SseEvent[] = [];
  private waiters: { test: (e: SseEvent) => boolean; done: (e: SseEvent) => void }[] = [];
  private res: IncomingMessage | undefined;
  readonly status: Promise<number>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.status = new Promise((resolve, reject) => {
      const req = request(url, { headers }, (res) => {
        this.res = res;
        resolve(res.statusCode ?? 0);
        let buf = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buf += chunk;
          let i;
          while ((i = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            let event = "message";
            let data = "";
            for (const line of block.split("\n")) {
              if (line.startsWith("event: ")) event = line.slice(7);
              else if (line.startsWith("data: ")) data += line.slice(6);
            }
            if (data === "") continue;
            const e = { event, data: JSON.parse(data) as unknown };
            this.events.push(e);
            this.waiters = this.waiters.filter((w) => !(w.test(e) && (w.done(e), true)));
          }
        });
      });
      req.on("error", reject);
      req.end();
    });
  }

  /** The first event (already received or coming) for which `test` holds. */
  next(event: string, test: (data: any) => boolean = () => true, timeoutMs = 15_000): Promise<any> {
    const match = (e: SseEvent) => e.event === event && test(e.data);
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen.data);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} event matching ${test} within ${timeoutMs} ms; last: ${JSON.stringify(this.events.at(-1))?.slice(0, 2000)}`)), timeoutMs);
      this.waiters.push({
        test: match,
        done: (e) => {
          clearTimeout(timer);
          resolve(e.data);
        },
      });
    });
  }

  close(): void {
    this.res?.destroy();
  }
}
