/**
 * Seeded, stable splits of a task's items into search, validation and test. Each id's place
 * depends only on the seed and the id (a keyed hash), not on file order or on other code reading
 * randomness, so the same seed and items always give the same splits, and runs record the ids.
 * A split may also be given as a file of ids; the other splits are then drawn from the rest.
 */
import { z } from "zod";
import { UserError, type Issue } from "../errors.js";
import { readText } from "../util/files.js";
import { streamKey } from "../util/rng.js";
import type { Split, SplitIds } from "./types.js";

/** Sizes of the search and validation splits: below 1 a fraction of the items, else a number of items. */
export interface SplitFractions {
  search: number;
  validation: number;
}

export const DEFAULT_SPLIT_FRACTIONS: Readonly<SplitFractions> = Object.freeze({ search: 0.2, validation: 0.2 });

export const SPLITS: readonly Split[] = ["search", "validation", "test"];

const SizeSchema = z
  .number()
  .min(0)
  .refine((x) => x < 1 || Number.isInteger(x), "expected a fraction below 1 or a whole number of items");

/** The `splits` section of a search config (and of `TaskOptions`). */
export const SplitConfigSchema = z
  .object({
    /** Seed of the drawing (default 0); independent of the search seed, so every search of a task holds out the same items. */
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    /** Search items: a fraction below 1 or a number of items (default 0.2). */
    search: SizeSchema.optional(),
    /** Validation items, used by the search's final selection (default 0.2). */
    validation: SizeSchema.optional(),
    /** Files of item ids (one a line, or a JSON array) that fix a split; the other splits are drawn from the rest. */
    files: z
      .object({ search: z.string().min(1).optional(), validation: z.string().min(1).optional(), test: z.string().min(1).optional() })
      .strict()
      .optional(),
  })
  .strict();

export type SplitConfig = z.infer<typeof SplitConfigSchema>;

export function checkFractions(f: SplitFractions): void {
  const ok = (x: number) => Number.isFinite(x) && x >= 0 && (x < 1 || Number.isInteger(x));
  const fractionSum = (f.search < 1 ? f.search : 0) + (f.validation < 1 ? f.validation : 0);
  if (!ok(f.search) || !ok(f.validation) || fractionSum > 1) {
    throw new UserError(
      `split sizes must be fractions between 0 and 1 adding up to at most 1, or whole numbers of items; got search ${f.search} and validation ${f.validation}`,
      { code: "invalid_splits" },
    );
  }
}

/** Ids ranked by a hash keyed with the seed and a stream name: a seed-determined, random-looking order. */
export function seededOrder(ids: readonly string[], seed: number, stream = "split"): string[] {
  return ids
    .map((id) => ({ id, key: streamKey(seed, stream, id) }))
    .sort((a, b) => a.key - b.key || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((r) => r.id);
}

/** A size as a number of items: a fraction of all `n` items, or a count that must fit in the `left` ones. */
function count(size: number, n: number, left: number, field: string): number {
  if (size < 1) return Math.round(n * size);
  if (size > left) throw new UserError(`splits.${field} asks for ${size} items, but only ${left} of the task's ${n} are left for it`, { code: "invalid_splits", source: `splits.${field}` });
  return size;
}

/**
 * Assign ids to splits. Ids are ranked by a hash keyed with the seed; the first `search` go to
 * search, the next `validation` to validation, the rest to test. Each split lists its ids in that
 * order, so taking the first k items of a split is a random sample of it. With 3 or more items and
 * fractional sizes, no split is left empty unless its size is 0.
 */
export function splitIds(ids: readonly string[], seed: number, fractions: SplitFractions = DEFAULT_SPLIT_FRACTIONS): SplitIds {
  checkFractions(fractions);
  const order = seededOrder(ids, seed);
  const n = order.length;
  let s = count(fractions.search, n, n, "search");
  let v = count(fractions.validation, n, n - s, "validation");
  if (n >= 3 && fractions.search < 1 && fractions.validation < 1) {
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
  return { search: order.slice(0, s), validation: order.slice(s, s + v), test: order.slice(s + v) };
}

/** Read a file of ids: one a line (blank lines and `#` comments skipped), or a JSON array of strings and integers. */
export function readIdFile(file: string, known: ReadonlySet<string>): string[] {
  const text = readText(file, "split id file");
  const issues: Issue[] = [];
  let entries: { id: string; at: string }[];
  if (text.trimStart().startsWith("[")) {
    const parsed = z.array(z.union([z.string().min(1), z.number().int()])).safeParse(safeJson(text));
    if (!parsed.success) throw new UserError(`${file}: expected a JSON array of item ids (strings or integers)`, { code: "invalid_split_file", source: file });
    entries = parsed.data.map((id, k) => ({ id: String(id), at: `entry ${k + 1}` }));
  } else {
    entries = text
      .split("\n")
      .map((l, k) => ({ id: l.replace(/#.*$/, "").trim(), at: `line ${k + 1}` }))
      .filter((e) => e.id !== "");
  }
  const seen = new Set<string>();
  for (const e of entries) {
    if (!known.has(e.id)) issues.push({ code: "unknown_item", path: e.at, message: `"${e.id}" is not an item id of the task` });
    else if (seen.has(e.id)) issues.push({ code: "duplicate_id", path: e.at, message: `"${e.id}" is listed twice` });
    seen.add(e.id);
  }
  if (issues.length > 0) {
    const first = issues[0]!;
    throw new UserError(`${file}: ${first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more problems)` : ""}`, { code: first.code, source: file, issues });
  }
  if (entries.length === 0) throw new UserError(`${file}: no item ids`, { code: "invalid_split_file", source: file });
  return entries.map((e) => e.id);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The sizes and seed of a split config, with the defaults. */
export function splitSizes(config: SplitConfig | undefined): SplitFractions {
  return { search: config?.search ?? DEFAULT_SPLIT_FRACTIONS.search, validation: config?.validation ?? DEFAULT_SPLIT_FRACTIONS.validation };
}

/**
 * The splits a config gives for a task's ids: files fix their splits, the other splits are drawn
 * (seeded) from the ids no file lists; with no file the test split is the rest. Errors name the
 * file and line.
 */
export function assignSplits(ids: readonly string[], config: SplitConfig | undefined, defaultSeed = 0): SplitIds {
  const seed = config?.seed ?? defaultSeed;
  const sizes = splitSizes(config);
  const files = config?.files;
  if (!files || Object.values(files).every((f) => f === undefined)) return splitIds(ids, seed, sizes);
  const known = new Set(ids);
  const fixed: Partial<SplitIds> = {};
  const owner = new Map<string, Split>();
  for (const split of SPLITS) {
    const file = files[split];
    if (file === undefined) continue;
    const list = readIdFile(file, known);
    for (const id of list) {
      const other = owner.get(id);
      if (other) throw new UserError(`${file}: item "${id}" is also in the ${other} split's file (${files[other]})`, { code: "overlapping_splits", source: file });
      owner.set(id, split);
    }
    fixed[split] = list;
  }
  const rest = seededOrder(
    ids.filter((id) => !owner.has(id)),
    seed,
  );
  let k = 0;
  const draw = (split: "search" | "validation"): string[] => {
    if (fixed[split]) return fixed[split]!;
    const m = Math.min(count(sizes[split], ids.length, rest.length - k, split), rest.length - k);
    const out = rest.slice(k, k + m);
    k += m;
    return out;
  };
  const search = draw("search");
  const validation = draw("validation");
  return { search, validation, test: fixed.test ?? rest.slice(k) };
}

/** A split config with its id files made absolute, so a run resumed elsewhere reads the same files. */
export function absoluteSplitConfig(config: SplitConfig, resolvePath: (p: string) => string): SplitConfig {
  if (!config.files) return config;
  const files = Object.fromEntries(Object.entries(config.files).map(([k, v]) => [k, v === undefined ? v : resolvePath(v)]));
  return { ...config, files };
}
