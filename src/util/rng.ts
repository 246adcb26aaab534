/**
 * Seeded randomness. Streams are keyed by (seed, ...keys) rather than drawn from one mutable
 * generator, so a resumed run, or a different evaluation order, sees the same numbers.
 */

/** 32-bit FNV-1a hash of a string, then avalanched. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** Murmur3's finaliser: a cheap bijective mixer of a 32-bit integer. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combine 32-bit keys into one well-mixed 32-bit key. */
export function mixKeys(...keys: number[]): number {
  let h = 0x9e3779b9;
  for (const k of keys) {
    h = fmix32((h ^ (k >>> 0)) + 0x9e3779b9 + (h << 6) + (h >>> 2));
  }
  return h >>> 0;
}

/** A key for any mix of numbers and strings. */
export function streamKey(...parts: (string | number)[]): number {
  return mixKeys(...parts.map((p) => (typeof p === "number" ? (Number.isInteger(p) ? p >>> 0 : hashString(String(p))) : hashString(p))));
}

/** Uniform in [0, 1) from a 32-bit key: one draw, no state. */
export function uniformFromKey(key: number): number {
  return fmix32(key) / 4294967296;
}

/** A small, fast seeded generator (sfc32) with helpers. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string, ...keys: (string | number)[]) {
    const k = streamKey(seed, ...keys);
    this.a = k;
    this.b = fmix32(k ^ 0xdeadbeef);
    this.c = fmix32(k ^ 0x41c64e6d);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** An element chosen uniformly. */
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError("pick from an empty list");
    return xs[this.int(xs.length)] as T;
  }

  /** Index drawn from unnormalised non-negative weights. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(xs: readonly T[]): T[] {
    const out = xs.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}
