// The event tail: an EventSource on /api/tail?prefix=P while the tail runs. The server
// subscribes only then, and only to P, and sends a few sampled events a second with the exact
// rate; pausing closes the stream, so a paused page costs the cluster nothing.
import { byId, clock, num, setText } from "./dom.js";
import { LineList } from "./panels.js";
import type { TailUpdate } from "./types.js";

export class TailPanel {
  private source: EventSource | undefined;
  private readonly lines: LineList;
  private readonly status = byId("tail-status");
  private readonly button = byId<HTMLButtonElement>("tail-toggle");
  private readonly input = byId<HTMLInputElement>("tail-prefix");
  private readonly topics = byId("tail-topics");
  private prefix = "";

  constructor(private readonly nameOf: (id: string) => string | undefined) {
    this.lines = new LineList(byId("tail-lines"), 200);
    this.button.addEventListener("click", () => (this.source ? this.pause() : this.start()));
    byId("tail-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.start();
    });
    byId("tail-clear").addEventListener("click", () => this.lines.clear());
  }

  get running(): boolean {
    return this.source !== undefined;
  }

  start(): void {
    this.close();
    this.prefix = this.input.value;
    const es = new EventSource(`api/tail?prefix=${encodeURIComponent(this.prefix)}`);
    this.source = es;
    this.button.textContent = "Pause";
    this.button.dataset["state"] = "running";
    setText(this.status, `subscribing to ${JSON.stringify(this.prefix)}…`);
    es.addEventListener("subscribed", () => setText(this.status, `subscribed to ${JSON.stringify(this.prefix)}, waiting for events`));
    es.addEventListener("tail", (e) => this.update(JSON.parse((e as MessageEvent<string>).data) as TailUpdate));
    es.addEventListener("stopped", (e) => {
      const { reason } = JSON.parse((e as MessageEvent<string>).data) as { reason: string };
      this.close();
      this.button.dataset["state"] = "stopped";
      setText(this.status, reason);
    });
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        this.close();
        setText(this.status, "the console refused the tail (too many open, or the prefix is too long)");
      } else setText(this.status, "reconnecting…");
    };
  }

  pause(): void {
    this.close();
    this.button.dataset["state"] = "paused";
    setText(this.status, `paused (${this.lines.size} lines kept); the console unsubscribed`);
  }

  private close(): void {
    this.source?.close();
    this.source = undefined;
    this.button.textContent = "Start";
  }

  private update(u: TailUpdate): void {
    setText(this.status, `${JSON.stringify(this.prefix)}: ${num(u.rate)} events/s, ${num(u.total)} since start; showing a sample of ${u.samples.length} per quarter second`);
    this.status.dataset["rate"] = String(u.rate);
    for (const s of u.samples) {
      const from = this.nameOf(s.sender) ?? s.sender;
      this.lines.add(clock(s.t), [["topic", s.topic], ["node", from], ["name", s.name], ["args", s.args]], "event");
    }
    this.topics.replaceChildren();
    for (const [t, n] of u.topics.slice(0, 8)) {
      const li = document.createElement("li");
      li.textContent = `${t}  ${num(n)}/s`;
      this.topics.appendChild(li);
    }
  }
}
