// The compact subscription trie against a naive reference (a list of (topic, item) pairs): random
// adds and removes over topics that share prefixes, split and merge edges, and every query
// (match, matches, has, countOf, removeItem, topics) agrees; removing everything returns the
// memory estimate to an empty trie's.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SubscriptionTrie } from "../../src/transport/trie.js";
import { Rng } from "../fuzz/harness.js";

const ALPHABET = Buffer.from("ab.\x00\xff");

function randomTopic(rng: Rng): Buffer {
  // Short topics over a tiny alphabet collide and nest often; a few long ones span long edges.
  const len = rng.below(8) === 0 ? 13 + rng.below(40) : rng.below(7);
  return Buffer.from(Array.from({ length: len }, () => ALPHABET[rng.below(ALPHABET.length)]!));
}

class Reference {
  readonly pairs = new Map<string, Set<number>>();
  add(t: Buffer, item: number): 0 | 1 | 2 {
    const k = t.toString("latin1");
    let s = this.pairs.get(k);
    if (s === undefined) this.pairs.set(k, (s = new Set()));
    if (s.has(item)) return 0;
    s.add(item);
    return s.size === 1 ? 2 : 1;
  }

  remove(t: Buffer, item: number): -1 | 0 | 1 {
    const k = t.toString("latin1");
    const s = this.pairs.get(k);
    if (s === undefined || !s.delete(item)) return -1;
    if (s.size > 0) return 0;
    this.pairs.delete(k);
    return 1;
  }

  match(t: Buffer): number[] {
    const out: number[] = [];
    for (const [k, s] of this.pairs) if (t.toString("latin1").startsWith(k)) out.push(...s);
    return out.sort();
  }

  count(item: number): number {
    let n = 0;
    for (const s of this.pairs.values()) if (s.has(item)) n++;
    return n;
  }
}

describe("SubscriptionTrie (radix)", () => {
  test("agrees with a naive reference over 20,000 random operations", () => {
    const rng = new Rng(7);
    const trie = new SubscriptionTrie<number>({ indexItems: true });
    const ref = new Reference();
    const empty = trie.bytes;
    for (let op = 0; op < 20_000; op++) {
      const t = randomTopic(rng);
      const item = rng.below(4);
      const r = rng.below(10);
      if (r < 5) assert.equal(trie.add(t, item), ref.add(t, item), `add ${t.toString("hex")}`);
      else if (r < 9) assert.equal(trie.remove(t, item), ref.remove(t, item), `remove ${t.toString("hex")}`);
      else {
        const gone = new Set<string>();
        trie.removeItem(item, (topic, last) => {
          gone.add(topic.toString("latin1"));
          assert.equal(ref.remove(topic, item), last ? 1 : 0);
        });
        assert.equal(ref.count(item), 0, "removeItem left topics of the item");
      }
      const probe = randomTopic(rng);
      const got: number[] = [];
      trie.match(probe, (i) => got.push(i));
      assert.deepEqual(got.sort(), ref.match(probe), `match ${probe.toString("hex")}`);
      assert.equal(trie.matches(probe), ref.match(probe).length > 0);
      assert.equal(trie.has(t, item), ref.pairs.get(t.toString("latin1"))?.has(item) ?? false);
      assert.equal(trie.countOf(item), ref.count(item));
      assert.equal(trie.size, [...ref.pairs.values()].reduce((n, s) => n + s.size, 0));
    }
    const listed = trie.topics().map((b) => b.toString("latin1"));
    const expected = [...ref.pairs.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, "latin1"), Buffer.from(b, "latin1")));
    assert.deepEqual(listed, expected, "topics() in byte order");
    for (let item = 0; item < 4; item++) trie.removeItem(item);
    assert.equal(trie.size, 0);
    assert.equal(trie.bytes, empty, "the estimate returns to an empty trie's");
    assert.deepEqual(trie.topics(), []);
  });

  test("the empty topic matches everything; a topic is not matched by a longer subscription", () => {
    const trie = new SubscriptionTrie<string>();
    trie.add(Buffer.from("zeek.cluster.node.worker-1."), "long");
    assert.equal(trie.matches(Buffer.from("zeek.cluster.")), false);
    trie.add(Buffer.alloc(0), "all");
    const got: string[] = [];
    trie.match(Buffer.from("zeek.cluster.node.worker-1.x"), (i) => got.push(i));
    assert.deepEqual(got, ["all", "long"]);
  });

  test("memory estimate per topic: about its length, not a node per byte", () => {
    const trie = new SubscriptionTrie<number>({ indexItems: true });
    const rng = new Rng(3);
    const n = 1000;
    const before = trie.bytes;
    for (let i = 0; i < n; i++) trie.add(Buffer.from(Array.from({ length: 1000 }, () => rng.below(256))), 0);
    const per = (trie.bytes - before) / n;
    assert.ok(per > 1000 && per < 1700, `estimated ${per} bytes per 1000-byte topic`);
  });
});
