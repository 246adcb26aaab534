/**
 * The report's tables and key figures as plain data (headers and string cells), so the HTML and
 * Markdown renderings show the same numbers.
 */
import type { BreakEven } from "./break-even.js";
import { wilson } from "../util/stats.js";
import { SOLID_ITEMS, type ReportModel } from "./extract.js";
import { composition, dollars, fixed, int, ms, pct, sci, withCi } from "./format.js";

/** Rows shown before a long table folds the rest away; a long run keeps the page short. */
export const SHOWN_ROWS = 12;
/** Feedback notes kept in a report at all (the newest ones); the rest are counted, not printed. */
export const KEPT_FEEDBACK = 60;

export interface Table {
  headers: string[];
  rows: string[][];
  /** Columns to right-align (numbers). */
  numeric: number[];
}

export interface Fact {
  label: string;
  value: string;
  note?: string | undefined;
}

export function keyFacts(model: ReportModel, be: BreakEven): Fact[] {
  const b = model.best;
  const facts: Fact[] = [];
  if (b) {
    facts.push({
      label: model.complete ? (b.basis === "validation" ? "validated accuracy" : "accuracy (search items)") : "leader's search accuracy",
      value: pct(b.accuracy),
      note: `${b.ci ? `${Math.round(b.ci.confidence * 100)}% CI [${pct(b.ci.low)}, ${pct(b.ci.high)}], ` : ""}${b.graded} graded items`,
    });
    const on = `on the ${b.graded} ${b.basis} items`;
    facts.push({ label: "FLOPs per query", value: sci(b.meanFlops), note: `measured mean ${on}${b.plan ? `; ${fixed(b.plan.units)} budget units a priori` : ""}` });
    facts.push({ label: "latency per query", value: ms(b.meanLatencyMs), note: `critical path, measured mean ${on}` });
  }
  facts.push({ label: "search cost", value: `${int(model.cost.evals.total)} evals`, note: `${sci(be.searchFlops.total)} FLOPs` });
  if (be.status !== "not-applicable") facts.push({ label: "break-even", value: be.status === "repaid" ? `${int(be.queries)} queries` : be.status === "not-repaid" ? "not repaid" : "not estimable", note: be.baseline ? `against ${be.baseline.nodes}x ${be.baseline.model}` : undefined });
  facts.push({ label: "graphs evaluated", value: int(model.graphs.length), note: `${model.iterations.filter((i) => i.split === "search").length} iterations` });
  return facts;
}

export function runTable(model: ReportModel): Table {
  const r = model.run;
  return {
    headers: ["", ""],
    numeric: [],
    rows: [
      ["task", r.task],
      ["pool", r.pool],
      ["optimizer", r.optimizer],
      ["budget per query", r.budget],
      ["objective", r.objective],
      ["seed", r.seed === undefined ? "unknown" : String(r.seed)],
      ["status", model.complete ? "finished" : "incomplete (no result.json)"],
    ],
  };
}

export function costTable(model: ReportModel, be: BreakEven): Table {
  const c = model.cost;
  const e = c.evals;
  const agentFlops = be.searchFlops.agent === undefined ? `unknown (${int(be.searchFlops.unconvertedAgentTokens)} tokens of a model of unknown size)` : sci(be.searchFlops.agent);
  return {
    headers: ["what", "amount"],
    numeric: [1],
    rows: [
      ["graph-item evaluations, total", int(e.total)],
      ["  probes (models alone)", int(e.probe)],
      ["  pretests (initialisation)", int(e.pretest)],
      ["  search iterations", int(e.search)],
      ["  selection (validation items)", int(e.selection)],
      ["model calls by evaluated graphs", int(c.graphCalls)],
      ["FLOPs of evaluated graphs", sci(c.graphFlops)],
      ["dollars of evaluated graphs", c.graphDollars === undefined ? "n/a (no pricing)" : dollars(c.graphDollars)],
      ["agent LLM calls (failed)", `${int(c.agent.calls)} (${int(c.agent.failedCalls)})`],
      ["agent tokens, prompt + completion", `${int(c.agent.promptTokens)} + ${int(c.agent.completionTokens)}`],
      ["agent FLOPs", agentFlops],
      ["agent replies rejected / fallbacks to the rule agent", `${int(c.agent.rejected)} / ${int(c.agent.fallbacks)}`],
      ["search FLOPs counted for break-even", sci(be.searchFlops.total)],
    ],
  };
}

export function bestTable(model: ReportModel): Table | undefined {
  const b = model.best;
  if (!b) return undefined;
  const g = model.graphs.find((x) => x.hash === b.hash);
  return {
    headers: ["", ""],
    numeric: [],
    rows: [
      ["hash", b.hash],
      ["composition", composition(b.graph.nodes.map((n) => n.model))],
      ["nodes / width / depth", g ? `${g.nodes} / ${g.width} / ${g.depth}` : String(b.graph.nodes.length)],
      ["found by", b.origin],
      ["a-priori cost", b.plan ? `${fixed(b.plan.units)} units, ${sci(b.plan.flops)} FLOPs` : "n/a"],
      ["search items", g ? `${pct(g.search.accuracy)} on ${g.search.graded}` : "n/a"],
      ["validation items", g && g.validation.items > 0 ? `${pct(g.validation.accuracy)} on ${g.validation.graded}` : "none"],
      ["how chosen", b.how],
    ],
  };
}

export function candidateTable(model: ReportModel): Table | undefined {
  if (model.candidates.length === 0) return undefined;
  return {
    headers: ["graph", "composition", "origin", "search acc (items)", "validation acc [CI]", "vs chosen [CI]", "units", "nodes/width/depth"],
    numeric: [3, 4, 5, 6],
    rows: model.candidates.map((c) => [
      c.hash + (c.hash === model.best?.hash ? " (chosen)" : ""),
      composition(c.graph.nodes.map((n) => n.model)),
      c.origin,
      `${pct(c.search.accuracy)} (${c.search.items})`,
      c.validation ? `${withCi(c.validation.accuracy, c.validation.ci)} (${c.validation.items})` : "not validated",
      c.versusBest ? `${(100 * c.versusBest.diff).toFixed(1)} pts [${(100 * c.versusBest.low).toFixed(1)}, ${(100 * c.versusBest.high).toFixed(1)}]` : "-",
      fixed(c.plan.units),
      `${c.nodes}/${c.width}/${c.depth}`,
    ]),
  };
}

/** The harness's Pareto set, without graphs graded on fewer than SOLID_ITEMS items, each with a Wilson interval. */
export function solidPareto(model: ReportModel): (ReportModel["pareto"][number] & { ci: { low: number; high: number } })[] {
  return model.pareto
    .filter((p) => p.items >= SOLID_ITEMS && Number.isFinite(p.accuracy))
    .map((p) => {
      const w = wilson(Math.round(p.accuracy * p.items), p.items);
      return { ...p, ci: { low: w.low, high: w.high } };
    });
}

export function paretoTable(model: ReportModel): Table | undefined {
  const rows = solidPareto(model);
  if (rows.length === 0) return undefined;
  return {
    headers: ["graph", "composition", "accuracy [95% CI]", "items", "FLOPs per query", "latency per query"],
    numeric: [2, 3, 4, 5],
    rows: rows.map((p) => [p.hash, composition(p.graph.nodes.map((n) => n.model)), withCi(p.accuracy, p.ci), int(p.items), sci(p.meanFlops), ms(p.meanLatencyMs)]),
  };
}

export function baselineTable(be: BreakEven): Table | undefined {
  if (be.baselines.length === 0) return undefined;
  return {
    headers: ["baseline", "graph", "accuracy", "graded items", "FLOPs per query", "reaches a*"],
    numeric: [2, 3, 4],
    rows: be.baselines.map((b) => [`${b.nodes}x ${b.model}${b.hash === be.baseline?.hash ? " (B)" : ""}`, b.hash, pct(b.accuracy), int(b.graded), sci(b.meanFlops), b.reaches ? "yes" : "no"]),
  };
}

export function iterationTable(model: ReportModel): Table {
  return {
    headers: ["iteration", "phase", "graphs", "new evals", "evals so far", "batch mean acc", "batch best acc", "agent notes"],
    numeric: [2, 3, 4, 5, 6],
    rows: model.iterations.map((it) => [
      String(it.iteration),
      it.phase,
      int(it.graphs),
      int(it.evals),
      int(it.evalsAfter),
      pct(it.meanAccuracy),
      pct(it.bestAccuracy),
      [it.feedback.length > 0 ? `${it.feedback.length} feedback` : "", it.rejectedReplies > 0 ? `${it.rejectedReplies} agent updates rejected` : "", it.fallbacks.length > 0 ? `${it.fallbacks.length} fallbacks` : "", it.rejectedProposals > 0 ? `${it.rejectedProposals} proposals rejected` : ""].filter(Boolean).join(", ") || "-",
    ]),
  };
}
