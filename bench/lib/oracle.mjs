// The oracle of a cell (`tts-graph sim oracle`: the best-known graph by ground truth within the
// search's own space and budget check), computed once and kept in bench/results/oracle/, so a
// benchmark never recomputes it. A result is found again by a key of everything it depends on: the
// profile's content (not its file name), the pool, the budget, the oracle's settings and the
// package version.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseSearchConfig, resolvePool, resolveTask, VERSION } from "tts-graph";
import { buildSpace, oracle } from "tts-graph/search";
import { poolSimMaps } from "tts-graph/sim";
import { repoRoot } from "./record.mjs";
import { taskLabel } from "./perturb.mjs";

export const ORACLE_DIR = join(repoRoot, "bench", "results", "oracle");

/** Settings every cached oracle uses unless told otherwise. */
export const ORACLE_DEFAULTS = { seed: 0, evals: 4000, items: 20000 };
/** Raised whenever the oracle's method changes, so cached answers of an older method are not reused. */
const ORACLE_REVISION = 3;

/** The cache file of a cell's oracle, with the resolved task and pool. */
export function oracleFile({ task, pool = "sim:llama", budget, budgetUnit = "units", settings = {}, dir = ORACLE_DIR }) {
  const s = { ...ORACLE_DEFAULTS, ...settings };
  const t = resolveTask(task, {});
  const loaded = resolvePool(pool);
  // By content, not by file name: a generated world's profile lives in a temporary file.
  const key = createHash("sha256")
    .update(JSON.stringify([VERSION, ORACLE_REVISION, t.world.profile, loaded.pool.models, budget, budgetUnit, s]))
    .digest("hex")
    .slice(0, 12);
  const poolName = pool === task ? "own" : taskLabel(pool).replace(/^sim:/, "");
  const file = join(dir, `${taskLabel(task).replace(/^sim:/, "")}-${poolName.replace(/[^A-Za-z0-9]+/g, "_")}-b${budget}-${key}.json`);
  return { file, key, s, t, loaded };
}

/** The oracle of (task, pool, budget), from the cache when it holds it. */
export function oracleFor(cell) {
  const { task, pool = "sim:llama", budget, budgetUnit = "units", dir = ORACLE_DIR } = cell;
  const { file, key, s, t, loaded } = oracleFile(cell);
  if (existsSync(file)) return { ...JSON.parse(readFileSync(file, "utf8")), cached: true };
  const config = parseSearchConfig({ task, pool, budget, budgetUnit });
  const space = buildSpace(config, t, loaded);
  const t0 = performance.now();
  const o = oracle(t.world, space, { ...s, ...poolSimMaps(loaded), unitFlops: t.tokens.unitFlops });
  const out = { task: taskLabel(task), pool: pool === task ? "its own models" : taskLabel(pool), budget, budgetUnit, key, seconds: (performance.now() - t0) / 1000, ...o };
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(out, null, 1));
  renameSync(`${file}.tmp`, file);
  return { ...out, cached: false };
}
