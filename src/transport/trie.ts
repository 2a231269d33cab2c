// Prefix subscription trie (libzmq `mtrie_t` / `trie_t`): maps each subscribed topic to the set
// of items (pipes) holding it; `match` walks the message's first frame once, collecting every
// item whose topic is a prefix of it. Cost is O(topic length), independent of subscriber count.

interface Node<T> {
  children: Map<number, Node<T>> | null;
  items: Set<T> | null;
}

function node<T>(): Node<T> {
  return { children: null, items: null };
}

export class SubscriptionTrie<T> {
  private readonly root: Node<T> = node();
  /** Number of (topic, item) pairs, to skip work when empty. */
  size = 0;

  /** Adds `item` under `topic`; returns true if no item held the topic before. */
  add(topic: Uint8Array, item: T): boolean {
    let n = this.root;
    for (let i = 0; i < topic.length; i++) {
      const b = topic[i]!;
      n.children ??= new Map();
      let next = n.children.get(b);
      if (next === undefined) {
        next = node();
        n.children.set(b, next);
      }
      n = next;
    }
    n.items ??= new Set();
    const first = n.items.size === 0;
    if (!n.items.has(item)) {
      n.items.add(item);
      this.size++;
    }
    return first;
  }

  /**
   * Removes `item` from `topic`. Returns true if the topic is now held by no item, or if the
   * pair was not present at all (libzmq reports both as "last unsubscription").
   */
  remove(topic: Uint8Array, item: T): boolean {
    const path: Node<T>[] = [];
    let n: Node<T> | undefined = this.root;
    for (let i = 0; i < topic.length && n; i++) {
      path.push(n);
      n = n.children?.get(topic[i]!);
    }
    if (n === undefined || n.items === null || !n.items.delete(item)) return true;
    this.size--;
    if (n.items.size > 0) return false;
    n.items = null;
    // Prune empty branches so a churn of unique topics does not leak nodes.
    for (let i = topic.length - 1; i >= 0; i--) {
      const child: Node<T> = i + 1 < path.length ? path[i + 1]! : n;
      if (child.items !== null || (child.children !== null && child.children.size > 0)) break;
      path[i]!.children!.delete(topic[i]!);
    }
    return true;
  }

  /** Calls `fn` once for each item holding a prefix of `topic` (an item may be reported once per matching prefix). */
  match(topic: Uint8Array, fn: (item: T) => void): void {
    let n: Node<T> | undefined = this.root;
    for (let i = 0; ; i++) {
      if (n.items !== null) for (const item of n.items) fn(item);
      if (i >= topic.length || n.children === null) return;
      n = n.children.get(topic[i]!);
      if (n === undefined) return;
    }
  }

  /** True if any topic is a prefix of `topic`. */
  matches(topic: Uint8Array): boolean {
    let n: Node<T> | undefined = this.root;
    for (let i = 0; ; i++) {
      if (n.items !== null && n.items.size > 0) return true;
      if (i >= topic.length || n.children === null) return false;
      n = n.children.get(topic[i]!);
      if (n === undefined) return false;
    }
  }
}
