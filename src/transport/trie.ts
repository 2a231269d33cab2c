// Prefix subscription trie (libzmq `mtrie_t` / `trie_t`), compact: a radix (patricia) trie whose
// edges are byte strings (Latin-1 JS strings: 16 bytes + one byte per topic byte), so a topic
// costs one or two nodes whatever its length, not a node and a Map per byte. Maps each subscribed
// topic to the items (pipes) holding it; `match` walks the message's first frame once, collecting
// every item whose topic is a prefix of it: O(topic length), independent of the number of topics.
//
// Invariant: every node but the root holds items or has at least two children, so a topic's node
// keeps its identity until the topic is removed (splits insert a parent, merges drop itemless
// nodes). `bytes` estimates the structure's memory for the socket's limit (measured constants).

class TrieNode<T> {
  /** Children sorted by the first byte of their edge. */
  children: TrieNode<T>[] | null = null;
  /** Items holding exactly this node's topic. */
  items: T[] | null = null;
  constructor(
    /** Bytes from the parent to this node (Latin-1). */
    public edge: string,
    /** edge's first byte, the key among siblings (-1 at the root). */
    public first: number,
    public parent: TrieNode<T> | null,
  ) {}
}

/** A topic held in the trie (stable until the topic is removed). */
export type TopicHandle = object;

/** Estimated heap bytes of a node (object, children/items arrays, string header), measured on V8. */
const NODE_BYTES = 256;
/** Estimated heap bytes of one (topic, item) pair: its items slot and its entry in the item's index. */
const HOLDER_BYTES = 80;
/** V8 slices strings of this length or more (keeping the source alive); shorter slices are copies. */
const SLICE_MIN = 13;

const scratch = { buf: Buffer.allocUnsafe(4096) };

/** A flat copy of s[start, end) (a slice must not keep a longer, removed topic alive). */
function cut(s: string, start: number, end: number): string {
  if (end - start < SLICE_MIN) return s.slice(start, end);
  if (scratch.buf.length < s.length) scratch.buf = Buffer.allocUnsafe(s.length);
  scratch.buf.write(s, 0, "latin1");
  return scratch.buf.toString("latin1", start, end);
}

function latin1(topic: Uint8Array, start: number, end: number): string {
  return Buffer.from(topic.buffer, topic.byteOffset, topic.byteLength).toString("latin1", start, end);
}

export interface TrieOptions {
  /** Keep, per item, the topics it holds (removeItem, countOf). @default false */
  indexItems?: boolean;
}

export class SubscriptionTrie<T> {
  private readonly root = new TrieNode<T>("", -1, null);
  private readonly index: Map<T, Set<TrieNode<T>>> | null;
  /** Number of (topic, item) pairs, to skip work when empty. */
  size = 0;
  /** Estimated memory of the structure, in bytes (what maxSubscriptionBytes limits). */
  bytes = NODE_BYTES;

  constructor(opts: TrieOptions = {}) {
    this.index = opts.indexItems === true ? new Map() : null;
  }

  /** Upper bound of what add(topic, ·) can add to `bytes` (a split node, a leaf and its edge, a holder). */
  static costOf(topicLength: number): number {
    return 2 * NODE_BYTES + topicLength + HOLDER_BYTES;
  }

  /** Topics `item` holds (indexItems only). */
  countOf(item: T): number {
    return this.index?.get(item)?.size ?? 0;
  }

  /** The node of `topic`, or undefined. */
  private find(topic: Uint8Array): TrieNode<T> | undefined {
    let n = this.root;
    let i = 0;
    while (i < topic.length) {
      const c = child(n, topic[i]!);
      if (c === undefined) return undefined;
      const e = c.edge;
      if (i + e.length > topic.length) return undefined;
      for (let j = 1; j < e.length; j++) if (topic[i + j] !== e.charCodeAt(j)) return undefined;
      i += e.length;
      n = c;
    }
    return n;
  }

  /** True if `item` holds exactly `topic`. */
  has(topic: Uint8Array, item: T): boolean {
    const n = this.find(topic);
    return n !== undefined && n.items !== null && n.items.includes(item);
  }

  /**
   * Adds `item` under `topic`. Returns 0 if the item held the topic already, 1 if it was added
   * and another item held the topic before, 2 if it is the topic's first item.
   */
  add(topic: Uint8Array, item: T): 0 | 1 | 2 {
    let n = this.root;
    let i = 0;
    while (i < topic.length) {
      const b = topic[i]!;
      const c = child(n, b);
      if (c === undefined) {
        const leaf = new TrieNode<T>(latin1(topic, i, topic.length), b, n);
        insertChild(n, leaf);
        this.bytes += NODE_BYTES + leaf.edge.length;
        n = leaf;
        i = topic.length;
        break;
      }
      const e = c.edge;
      let j = 1;
      const lim = Math.min(e.length, topic.length - i);
      while (j < lim && topic[i + j] === e.charCodeAt(j)) j++;
      if (j === e.length) {
        i += j;
        n = c;
        continue;
      }
      // The topic leaves (or ends inside) c's edge after j bytes: a new node takes the common part.
      const mid = new TrieNode<T>(cut(e, 0, j), b, n);
      replaceChild(n, c, mid);
      c.edge = cut(e, j, e.length);
      c.first = c.edge.charCodeAt(0);
      c.parent = mid;
      mid.children = [c];
      this.bytes += NODE_BYTES;
      i += j;
      n = mid;
    }
    if (n.items === null) n.items = [];
    else if (n.items.includes(item)) return 0;
    n.items.push(item);
    this.size++;
    this.bytes += HOLDER_BYTES;
    if (this.index !== null) {
      let set = this.index.get(item);
      if (set === undefined) this.index.set(item, (set = new Set()));
      set.add(n);
    }
    return n.items.length === 1 ? 2 : 1;
  }

  /**
   * Removes `item` from `topic`. Returns -1 if the item did not hold the topic (nothing changed),
   * 0 if other items still hold it, 1 if it was the topic's last item.
   */
  remove(topic: Uint8Array, item: T): -1 | 0 | 1 {
    const n = this.find(topic);
    if (n === undefined) return -1;
    return this.removeAt(n, item);
  }

  /** Removes every topic `item` holds (indexItems only); `each` hears each topic and whether it was the last holder, in byte order. */
  removeItem(item: T, each?: (topic: Buffer, last: boolean) => void): void {
    const set = this.index?.get(item);
    if (set === undefined) return;
    const nodes = [...set];
    const topics = each === undefined ? null : nodes.map((n) => topicOf(n));
    const order = nodes.map((_, k) => k);
    if (topics !== null) order.sort((a, b) => Buffer.compare(topics[a]!, topics[b]!));
    for (const k of order) {
      const last = this.removeAt(nodes[k]!, item) === 1;
      each?.(topics![k]!, last);
    }
  }

  private removeAt(n: TrieNode<T>, item: T): -1 | 0 | 1 {
    const items = n.items;
    const k = items === null ? -1 : items.indexOf(item);
    if (k < 0) return -1;
    items![k] = items![items!.length - 1]!;
    items!.pop();
    this.size--;
    this.bytes -= HOLDER_BYTES;
    if (this.index !== null) {
      const set = this.index.get(item)!;
      set.delete(n);
      if (set.size === 0) this.index.delete(item);
    }
    if (items!.length > 0) return 0;
    n.items = null;
    this.prune(n);
    return 1;
  }

  /** Restores the invariant after `n` lost its last item. */
  private prune(n: TrieNode<T>): void {
    for (;;) {
      const parent = n.parent;
      if (parent === null || n.items !== null) return;
      const kids = n.children;
      if (kids !== null && kids.length >= 2) return;
      if (kids !== null && kids.length === 1) {
        // Merge n into its only child, which keeps its identity (it may hold items).
        const c = kids[0]!;
        const joined = n.edge + c.edge;
        c.edge = cut(joined, 0, joined.length);
        c.first = n.first;
        c.parent = parent;
        replaceChild(parent, n, c);
        this.bytes -= NODE_BYTES;
        return;
      }
      removeChild(parent, n);
      this.bytes -= NODE_BYTES + n.edge.length;
      n = parent;
    }
  }

  /** Calls `fn` once for each (prefix of `topic`, item holding it) pair, shortest prefix first. */
  match(topic: Uint8Array, fn: (item: T) => void): void {
    let n = this.root;
    let i = 0;
    for (;;) {
      const items = n.items;
      if (items !== null) for (let k = 0; k < items.length; k++) fn(items[k]!);
      if (i >= topic.length) return;
      const c = child(n, topic[i]!);
      if (c === undefined) return;
      const e = c.edge;
      const len = e.length;
      if (i + len > topic.length) return;
      for (let j = 1; j < len; j++) if (topic[i + j] !== e.charCodeAt(j)) return;
      i += len;
      n = c;
    }
  }

  /** True if any topic is a prefix of `topic`. */
  matches(topic: Uint8Array): boolean {
    let n = this.root;
    let i = 0;
    for (;;) {
      if (n.items !== null) return true;
      if (i >= topic.length) return false;
      const c = child(n, topic[i]!);
      if (c === undefined) return false;
      const e = c.edge;
      const len = e.length;
      if (i + len > topic.length) return false;
      for (let j = 1; j < len; j++) if (topic[i + j] !== e.charCodeAt(j)) return false;
      i += len;
      n = c;
    }
  }

  /** Every topic with at least one item, in byte order. */
  topics(): Buffer[] {
    const out: Buffer[] = [];
    const walk = (n: TrieNode<T>, prefix: string): void => {
      const p = prefix + n.edge;
      if (n.items !== null) out.push(Buffer.from(p, "latin1"));
      if (n.children !== null) for (const c of n.children) walk(c, p);
    };
    walk(this.root, "");
    return out;
  }
}

function topicOf<T>(n: TrieNode<T>): Buffer {
  const parts: string[] = [];
  for (let m: TrieNode<T> | null = n; m !== null; m = m.parent) parts.push(m.edge);
  return Buffer.from(parts.reverse().join(""), "latin1");
}

/** The child of `n` whose edge starts with byte `b`. */
function child<T>(n: TrieNode<T>, b: number): TrieNode<T> | undefined {
  const kids = n.children;
  if (kids === null) return undefined;
  const len = kids.length;
  if (len <= 8) {
    for (let k = 0; k < len; k++) if (kids[k]!.first === b) return kids[k];
    return undefined;
  }
  let lo = 0;
  let hi = len - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = kids[mid]!.first;
    if (f === b) return kids[mid];
    if (f < b) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

function insertChild<T>(n: TrieNode<T>, c: TrieNode<T>): void {
  const kids = (n.children ??= []);
  let k = kids.length;
  while (k > 0 && kids[k - 1]!.first > c.first) k--;
  kids.splice(k, 0, c);
}

function replaceChild<T>(n: TrieNode<T>, old: TrieNode<T>, next: TrieNode<T>): void {
  const kids = n.children!;
  kids[kids.indexOf(old)] = next;
}

function removeChild<T>(n: TrieNode<T>, c: TrieNode<T>): void {
  const kids = n.children!;
  kids.splice(kids.indexOf(c), 1);
  if (kids.length === 0) n.children = null;
}
