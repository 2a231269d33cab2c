// Zeek's seen-set of XPUB subscriptions (`subscription` is raised on first sighting only),
// bounded: at most max_seen_topics topics and 256 characters per allowed topic on average, since
// topics have no length limit and every one comes from a peer.
import { quoted } from "../printable.js";

/** @internal */
export class SeenTopics {
  private readonly topics = new Set<string>();
  private chars = 0;

  constructor(
    private readonly max: number,
    private readonly limitHit: (reason: string, message: () => string) => void,
  ) {}

  has(topic: string): boolean {
    return this.topics.has(topic);
  }

  /**
   * Adds `topic` unless the set is full: then the subscription is still handled, only not
   * remembered, so a repeat raises `subscription` again instead of growing the set.
   */
  add(topic: string): void {
    const max = this.max;
    if (this.topics.size >= max || this.chars + topic.length > max * 256) {
      this.limitHit("max_seen_topics", () => `${this.topics.size} subscriptions (${this.chars} characters) are remembered from the broker (max_seen_topics ${max}); ${quoted(topic, 64)} and further new ones are handled but not remembered`);
      return;
    }
    this.topics.add(topic);
    this.chars += topic.length;
  }

  all(): string[] {
    return [...this.topics];
  }

  delete(topic: string): void {
    if (this.topics.delete(topic)) this.chars -= topic.length;
  }

  clear(): void {
    this.topics.clear();
    this.chars = 0;
  }
}
