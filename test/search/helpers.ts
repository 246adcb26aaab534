/** Building small searches on the simulator for tests. */
import type { LoadedPool } from "../../src/models/pool.js";
import { resolvePool, resolveProviders, resolveTask } from "../../src/resolve.js";
import { parseSearchConfig, type SearchConfigInput } from "../../src/search/config.js";
import type { SearchSetup } from "../../src/search/harness.js";
import { buildSearch } from "../../src/search/setup.js";

/** A quick search config: few evaluations, a small selection. */
export const QUICK: SearchConfigInput = { evals: 160, selection: { candidates: 2, items: 10 } };

/** A search setup on a simulated task (default sim:math, sim:llama, budget 18). */
export function simSetup(config: SearchConfigInput = {}, pool?: LoadedPool): SearchSetup {
  const c = parseSearchConfig({ ...QUICK, ...config });
  const task = resolveTask(c.task, {});
  const p = pool ?? resolvePool(c.pool);
  return buildSearch(c, { task, pool: p, providers: resolveProviders(p, { task }) });
}
