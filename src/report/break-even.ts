/**
 * The break-even estimate: how many production queries until the search's compute is repaid by
 * running the found graph instead of the cheapest single-model alternative of equal accuracy.
 */
import { callFlops, type FlopsSpec } from "../cost/flops.js";
import { SOLID_ITEMS, type GraphStats, type ReportModel } from "./extract.js";

/** The definition, as the report states it. */
export const BREAK_EVEN_DEFINITION =
  "Target accuracy a* is the chosen graph's validated accuracy (its search accuracy when it was not validated); its per-query cost f* is measured on the same items. " +
  "When the chosen graph itself uses one model only, there is no break-even: it is the single-model baseline. " +
  "Baselines are the evaluated single-model graphs other than the chosen one (every evaluated graph fits the budget): every node uses the same model, so a lone call or a self-consistency ensemble of one model. " +
  `A baseline reaches a* when its accuracy over every item it was graded on (search and validation) is at least a*, on at least ${SOLID_ITEMS} graded items. ` +
  "A baseline's per-query cost is its mean measured FLOPs per item, over every item it was evaluated on. " +
  "Search cost S is the FLOPs of every graph evaluation the search made, plus the optimizer agent's LLM calls converted with the FLOPs formula when the agent model's size is known. " +
  "With B the cheapest baseline reaching a*, per-query cost f_B, and the chosen graph's f*: when f_B > f*, break-even is ceil(S / (f_B - f*)) queries; " +
  "when f_B <= f*, the search is never repaid (a baseline is as accurate and no more expensive); when no baseline reaches a*, it is not estimable from this run.";

export interface BaselineRow {
  hash: string;
  model: string;
  nodes: number;
  accuracy: number;
  graded: number;
  meanFlops: number;
  reaches: boolean;
}

export interface BreakEven {
  /** `not-applicable`: the chosen graph is itself a single-model graph, so there is nothing cheaper to repay. */
  status: "repaid" | "not-repaid" | "not-estimable" | "not-applicable";
  /** Production queries until the search is repaid (status `repaid`). */
  queries: number | undefined;
  target: { hash: string; accuracy: number; basis: "validation" | "search"; graded: number; meanFlops: number } | undefined;
  baseline: BaselineRow | undefined;
  /** f_B - f*: FLOPs saved per query by the chosen graph (negative: it costs more). */
  savingPerQuery: number | undefined;
  searchFlops: {
    graphs: number;
    /** Agent FLOPs from token counts; undefined when some calls could not be converted (their part is left out of `total`). */
    agent: number | undefined;
    /** Agent tokens that could not be converted (unknown model size or unreported usage). */
    unconvertedAgentTokens: number;
    agentCallsWithoutUsage: number;
    total: number;
  };
  /** Every solid single-model graph (other than the chosen one), cheapest first. */
  baselines: BaselineRow[];
  /** One sentence saying what the estimate is, or why there is none. */
  summary: string;
}

export type AgentModelSpec = Pick<FlopsSpec, "id" | "params" | "layers" | "hidden">;

/** FLOPs of the agent's LLM calls, from their token counts and the model sizes known. */
export function agentFlops(calls: ReportModel["agentCalls"], models: readonly AgentModelSpec[]): { flops: number; unconvertedTokens: number; withoutUsage: number } {
  let flops = 0;
  let unconvertedTokens = 0;
  let withoutUsage = 0;
  for (const c of calls) {
    if (c.promptTokens === undefined && c.completionTokens === undefined) {
      withoutUsage++;
      continue;
    }
    const spec = models.find((m) => m.id === c.model);
    const p = c.promptTokens ?? 0;
    const d = c.completionTokens ?? 0;
    if (!spec) unconvertedTokens += p + d;
    else flops += callFlops(spec, p, d).total;
  }
  return { flops, unconvertedTokens, withoutUsage };
}

const sci = (x: number) => x.toExponential(3);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function baselineRow(g: GraphStats, target: number): BaselineRow {
  return { hash: g.hash, model: g.singleModel!, nodes: g.nodes, accuracy: g.all.accuracy, graded: g.all.graded, meanFlops: g.all.meanFlops, reaches: g.all.accuracy >= target };
}

function singleModelOf(graph: { nodes: readonly { model: string }[] }): string | undefined {
  const models = new Set(graph.nodes.map((n) => n.model));
  return models.size === 1 ? [...models][0] : undefined;
}

export function breakEven(model: ReportModel, options: { models?: readonly AgentModelSpec[] } = {}): BreakEven {
  const agent = agentFlops(model.agentCalls, options.models ?? []);
  const agentKnown = agent.unconvertedTokens === 0 && agent.withoutUsage === 0;
  const searchFlops = {
    graphs: model.cost.graphFlops,
    agent: agentKnown ? agent.flops : undefined,
    unconvertedAgentTokens: agent.unconvertedTokens,
    agentCallsWithoutUsage: agent.withoutUsage,
    total: model.cost.graphFlops + agent.flops,
  };
  const best = model.best;
  const none = (summary: string, target?: BreakEven["target"], baselines: BaselineRow[] = []): BreakEven => ({ status: "not-estimable", queries: undefined, target, baseline: undefined, savingPerQuery: undefined, searchFlops, baselines, summary });
  if (!best) return none("not estimable: no graph has been graded on enough items yet to stand as the found graph");
  const target = { hash: best.hash, accuracy: best.accuracy, basis: best.basis, graded: best.graded, meanFlops: best.meanFlops };
  if (!Number.isFinite(best.accuracy) || !Number.isFinite(best.meanFlops)) return none("not estimable: the found graph has no measured accuracy or cost", target);
  const itself = model.graphs.find((g) => g.hash === best.hash)?.singleModel ?? singleModelOf(best.graph);
  if (itself !== undefined) {
    const n = best.graph.nodes.length;
    return { ...none(`not applicable: the found graph is ${n}x ${itself}, itself a single-model graph, so there is no cheaper single-model alternative whose cost the search would repay`, target), status: "not-applicable" };
  }

  const baselines = model.graphs
    .filter((g) => g.hash !== best.hash && g.singleModel !== undefined && !g.failed && g.all.graded >= SOLID_ITEMS && Number.isFinite(g.all.accuracy) && Number.isFinite(g.all.meanFlops))
    .map((g) => baselineRow(g, best.accuracy))
    .sort((a, b) => a.meanFlops - b.meanFlops || a.hash.localeCompare(b.hash));
  const reaching = baselines.filter((b) => b.reaches);
  const agentNote = searchFlops.agent === undefined ? ` (graph evaluations only: ${agent.unconvertedTokens} agent tokens${agent.withoutUsage > 0 ? ` and ${agent.withoutUsage} calls without usage` : ""} could not be converted to FLOPs, so the true figure is higher)` : "";

  if (reaching.length === 0) {
    const strongest = baselines.reduce<BaselineRow | undefined>((a, b) => (!a || b.accuracy > a.accuracy ? b : a), undefined);
    const why = strongest
      ? `the most accurate evaluated single-model graph (${strongest.nodes}x ${strongest.model}) reached ${pct(strongest.accuracy)} on ${strongest.graded} items, below the found graph's ${pct(best.accuracy)}`
      : `no single-model graph was graded on at least ${SOLID_ITEMS} items`;
    return none(`not estimable: no evaluated single-model graph reaches the found graph's accuracy (${why}); the found graph has no equal-accuracy single-model alternative in this run to be compared with`, target, baselines);
  }
  const b = reaching[0]!;
  const saving = b.meanFlops - best.meanFlops;
  if (saving <= 0) {
    return {
      status: "not-repaid",
      queries: undefined,
      target,
      baseline: b,
      savingPerQuery: saving,
      searchFlops,
      baselines,
      summary: `not repaid: ${b.nodes}x ${b.model} reached ${pct(b.accuracy)} (>= ${pct(best.accuracy)}) at ${sci(b.meanFlops)} FLOPs per query, no more than the found graph's ${sci(best.meanFlops)}, so each query with the found graph saves nothing`,
    };
  }
  const queries = Math.ceil(searchFlops.total / saving);
  return {
    status: "repaid",
    queries,
    target,
    baseline: b,
    savingPerQuery: saving,
    searchFlops,
    baselines,
    summary: `repaid after ${queries.toLocaleString("en-US")} queries: the found graph saves ${sci(saving)} FLOPs per query against ${b.nodes}x ${b.model} (${pct(b.accuracy)} at ${sci(b.meanFlops)} FLOPs), and the search cost ${sci(searchFlops.total)} FLOPs${agentNote}`,
  };
}
