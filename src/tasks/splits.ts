/**
 * Seeded, stable splits of a task's items into search, validation and test. Each id's place
 * depends only on the seed and the id (a keyed hash), not on file order or on other code reading
 * randomness, so the same seed and items always give the same splits, and runs record the ids.
 */
import { UserError } from "../errors.js";
import { streamKey } from "../util/rng.js";
import type { Split, SplitIds } from "./types.js";

/** Fractions of the items in the search and validation splits; the rest is the test split. */
export interface SplitFractions {
  search: number;
  validation: number;
}

export const DEFAULT_SPLIT_FRACTIONS: Readonly<SplitFractions> = Object.freeze({ search: 0.2, validation: 0.2 });

export const SPLITS: readonly Split[] = ["search", "validation", "test"];

export function checkFractions(f: SplitFractions): void {
  const ok = (x: number) => Number.isFinite(x) && x >= 0 && x <= 1;
  if (!ok(f.search) || !ok(f.validation) || f.search + f.validation > 1) {
    throw new UserError(`split fractions must be between 0 and 1 and add up to at most 1, got search ${f.search} and validation ${f.validation}`, {
      code: "invalid_splits",
    });
  }
}

/**
 * Assign ids to splits. Ids are ranked by a hash keyed with the seed; the first
 * `round(n * search)` go to search, the next `round(n * validation)` to validation, the rest to
 * test. Each split lists its ids in that (random-looking, seed-determined) order, so taking the
 * first k items of a split is a random sample of it. With 3 or more items no split is left empty
 * unless its fraction is 0.
 */
export function splitIds(ids: readonly string[], seed: number, fractions: SplitFractions = DEFAULT_SPLIT_FRACTIONS): SplitIds {
  checkFractions(fractions);
  const ranked = ids
    .map((id) => ({ id, key: streamKey(seed, "split", id) }))
    .sort((a, b) => a.key - b.key || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((r) => r.id);
  const n = ranked.length;
  let s = Math.round(n * fractions.search);
  let v = Math.round(n * fractions.validation);
  if (n >= 3) {
    if (fractions.search > 0) s = Math.max(1, s);
    if (fractions.validation > 0) v = Math.max(1, v);
    const testWanted = fractions.search + fractions.validation < 1;
    while (testWanted && s + v >= n) {
      if (s >= v && s > 1) s--;
      else if (v > 1) v--;
      else break;
    }
  }
  s = Math.min(s, n);
  v = Math.min(v, n - s);
  return { search: ranked.slice(0, s), validation: ranked.slice(s, s + v), test: ranked.slice(s + v) };
}
