// Mutation fuzzer for total decoders: every input must either decode or throw DecodeError, and
// must do so fast. Deterministic (seeded xorshift) so a failure can be replayed from its seed.
import { DecodeError } from "../../src/errors.js";

export interface FuzzTarget {
  name: string;
  /** Valid inputs to mutate (real fixtures first). */
  seeds: () => Uint8Array[];
  /** The decoder under test; anything it throws other than DecodeError is a finding. */
  decode: (input: Uint8Array) => unknown;
}

export interface FuzzReport {
  target: string;
  inputs: number;
  accepted: number;
  rejected: number;
  ms: number;
}

export class FuzzFinding extends Error {
  override name = "FuzzFinding";
  constructor(
    readonly target: string,
    readonly input: Uint8Array,
    cause: unknown,
  ) {
    super(`${target}: decoder threw ${String(cause)} for input ${Buffer.from(input.subarray(0, 256)).toString("hex")}`, { cause });
  }
}

/** xorshift32: tiny, fast, deterministic. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }

  below(n: number): number {
    return this.next() % n;
  }
}

// Byte values that tend to hit length/tag edge cases.
const INTERESTING = [0x00, 0x01, 0x02, 0x04, 0x07, 0x0e, 0x0f, 0x10, 0x7f, 0x80, 0x81, 0xfe, 0xff];

function mutate(rng: Rng, seeds: Uint8Array[], base: Uint8Array): Uint8Array {
  let out: Uint8Array = Uint8Array.from(base);
  const rounds = 1 + rng.below(4);
  for (let r = 0; r < rounds; r++) {
    const len = out.length;
    switch (rng.below(9)) {
      case 0: // flip a bit
        if (len) out[rng.below(len)]! ^= 1 << rng.below(8);
        break;
      case 1: // set an interesting byte
        if (len) out[rng.below(len)] = INTERESTING[rng.below(INTERESTING.length)]!;
        break;
      case 2: // truncate
        out = out.subarray(0, rng.below(len + 1));
        break;
      case 3: { // insert random bytes
        const at = rng.below(len + 1);
        const n = 1 + rng.below(8);
        const ins = new Uint8Array(n).map(() => rng.below(256));
        out = concat(out.subarray(0, at), ins, out.subarray(at));
        break;
      }
      case 4: { // delete a span
        const at = rng.below(len + 1);
        out = concat(out.subarray(0, at), out.subarray(Math.min(len, at + 1 + rng.below(16))));
        break;
      }
      case 5: { // duplicate a span
        const at = rng.below(len + 1);
        const end = Math.min(len, at + 1 + rng.below(32));
        out = concat(out.subarray(0, end), out.subarray(at, end), out.subarray(end));
        break;
      }
      case 6: { // splice with another seed
        const other = seeds[rng.below(seeds.length)]!;
        const a = rng.below(len + 1);
        const b = rng.below(other.length + 1);
        out = concat(out.subarray(0, a), other.subarray(b));
        break;
      }
      case 7: { // overwrite 4 or 8 bytes with 0xff.. or 0x7f.. (huge lengths/counts)
        const n = rng.below(2) ? 4 : 8;
        if (len >= n) {
          const at = rng.below(len - n + 1);
          out[at] = rng.below(2) ? 0xff : 0x7f;
          for (let i = 1; i < n; i++) out[at + i] = 0xff;
        }
        break;
      }
      default: // random bytes
        out = new Uint8Array(rng.below(64)).map(() => rng.below(256));
    }
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Runs `inputs` mutated inputs through the target. Throws FuzzFinding on the first bad outcome. */
export function runFuzz(target: FuzzTarget, inputs: number, seed = 1): FuzzReport {
  const rng = new Rng(seed);
  const seeds = target.seeds();
  if (seeds.length === 0) throw new Error(`${target.name}: no seeds`);
  let accepted = 0;
  let rejected = 0;
  const t0 = performance.now();
  // Seeds themselves must decode.
  for (const s of seeds) {
    try {
      target.decode(s);
    } catch (e) {
      throw new FuzzFinding(target.name, s, e);
    }
  }
  for (let i = 0; i < inputs; i++) {
    const input = mutate(rng, seeds, seeds[rng.below(seeds.length)]!);
    try {
      target.decode(input);
      accepted++;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw new FuzzFinding(target.name, input, e);
      rejected++;
    }
  }
  return { target: target.name, inputs, accepted, rejected, ms: performance.now() - t0 };
}
