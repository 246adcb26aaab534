/**
 * The search as one call: {@link runSearch} drives a {@link Study} with the setup's evaluator until
 * it is finished. The study does the work (proposals, budget, replay, selection; see ./study.ts);
 * the contracts of a search (setup, options, result) are in ./contract.ts.
 */
import type { RunOptions, SearchResult, SearchSetup } from "./contract.js";
import { Study } from "./study.js";

export { newRunStats, type AgentCaller, type Evaluator, type RunOptions, type RunStats, type SearchResult, type SearchSetup, type SelectionOptions } from "./contract.js";
export type { SearchCost } from "./cost.js";
export type { CandidateReport } from "./selection.js";

/** Run a whole search with the setup's evaluator: a {@link Study} asked and told until it is finished. */
export async function runSearch(setup: SearchSetup, options: RunOptions = {}): Promise<SearchResult> {
  const study = await Study.start(setup, options);
  for (let req = study.ask(); req; req = study.ask()) {
    const split = req.split;
    await study.tell(req, await Promise.all(req.evaluations.map((e) => setup.evaluator(e.graph, e.items, split))));
  }
  return study.result!;
}
