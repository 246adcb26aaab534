/**
 * The search harness: the only place that evaluates graphs. It asks the optimizer for proposals,
 * checks each against the graph schema and the budget before anything runs, evaluates all graphs
 * of an iteration on the same batch of search items (each graph-item pair at most once), tells the
 * optimizer the scores, and accounts the search cost. At the end it re-evaluates the best
 * candidates on held-out validation items and chooses with confidence intervals. Initialisation
 * probes, pretests and selection all count as search cost, the same way for every method.
 *
 * The run is a deterministic function of (setup, seed, answers): randomness comes from keyed
 * streams, and every evaluation and agent call can be answered from a replayed log.
 */
import { InternalError, TtsGraphError, UserError } from "../errors.js";
import { graphHash, safeParseGraph, topology, type Graph } from "../graph/index.js";
import type { TaskItem } from "../tasks/types.js";
import { Rng } from "../util/rng.js";
import { wilson, zFor, type Proportion } from "../util/stats.js";
import { chatKey, type EvalSplit, type EventSink, type RecordedEvent, type ReplayMemo, type SearchEvent, EVENT_VERSION } from "./events.js";
import { describeObjective, utilityOf, type Objective } from "./objective.js";
import { empiricalBayesWithSd, PairedBook, pairedDifference, scoreOf } from "./score.js";
import type { SearchSpace } from "./space.js";
import type {
  AgentChannel,
  AgentChatRequest,
  AgentChatResponse,
  EvalOutcome,
  ItemOutcome,
  Optimizer,
  OptimizerFactory,
  Phase,
  Proposal,
  ProposalDraft,
  Score,
} from "./types.js";

/** Runs a graph on items. The harness's only way to evaluate; built from the executor. */
export type Evaluator = (graph: Graph, items: TaskItem[], split: EvalSplit) => Promise<ItemOutcome[]>;

/** Calls the agent's LLM. The harness wraps it so every call is logged and replayable. */
export interface AgentCaller {
  model: string;
  call(request: AgentChatRequest): Promise<AgentChatResponse>;
}

export interface SelectionOptions {
  /** Candidates re-evaluated on validation items. */
  candidates: number;
  /** Validation items per candidate. */
  items: number;
  confidence: number;
}

/** Everything a search needs, resolved. */
export interface SearchSetup {
  space: SearchSpace;
  optimizer: OptimizerFactory;
  optimizerName: string;
  seed: number;
  objective: Objective;
  task: { id: string; style: string; description?: string | undefined; items(split: "search" | "validation"): TaskItem[] };
  /** The pool's name or file, for the log. */
  pool: string;
  evaluator: Evaluator;
  agent?: AgentCaller | undefined;
  /** Total graph-item evaluations, selection included. */
  evals: number;
  /** Optional cap on search iterations. */
  iterations?: number | undefined;
  samples?: number | undefined;
  batch?: number | undefined;
  selection: SelectionOptions;
  /** An evaluation with more than this fraction of errored items is `failed`. */
  failureThreshold: number;
  optimizerOptions?: Record<string, unknown> | undefined;
  /** The resolved config, recorded in `run.started`. */
  config?: unknown;
}

export interface RunOptions {
  sink?: EventSink | undefined;
  /** Answers from an earlier log: evaluations and agent calls found here are not run again. */
  memo?: ReplayMemo | undefined;
  /** Counts of what was served from the memo (kept out of the result, which must not depend on it). */
  stats?: RunStats | undefined;
}

export interface RunStats {
  replayedItems: number;
  replayedChats: number;
  evaluatorCalls: number;
}

export function newRunStats(): RunStats {
  return { replayedItems: 0, replayedChats: 0, evaluatorCalls: 0 };
}

/** A graph the search considered at the end. */
export interface CandidateReport {
  hash: string;
  graph: Graph;
  origin: string;
  /** On search items (all the items it was evaluated on during the search). */
  search: Score;
  /** On the validation items, when it was validated. */
  validation?: (Score & { ci: Proportion }) | undefined;
  /** Paired difference in validation accuracy to the chosen graph, with its interval. */
  versusBest?: { n: number; diff: number; low: number; high: number } | undefined;
  plan: { units: number; flops: number; latencyMs: number | undefined; dollars: number | undefined };
  width: number;
  depth: number;
  nodes: number;
}

export interface SearchCost {
  /** Graph-item evaluations, the unit of equal search cost. */
  evals: { total: number; probe: number; pretest: number; search: number; selection: number };
  /** Model calls made by the evaluated graphs. */
  graphCalls: number;
  /** Retried attempts of those calls (rate limits, timeouts, server errors that later succeeded or not). */
  graphRetries: number;
  /** Graph-item evaluations whose calls finally failed: scored as errored, never as wrong. */
  erroredItems: number;
  graphFlops: number;
  graphDollars: number | undefined;
  /** The optimizer agent's own LLM use, kept apart from the graphs' cost. */
  agent: { calls: number; failedCalls: number; promptTokens: number; completionTokens: number; rejected: number; fallbacks: number };
}

export interface SearchResult {
  version: 1;
  optimizer: string;
  seed: number;
  task: string;
  pool: string;
  objective: Objective;
  budget: SearchSpace["budget"];
  best: CandidateReport;
  /** How the best was chosen. */
  selectionRule: string;
  candidates: CandidateReport[];
  /** Graphs no other evaluated graph beats on accuracy, FLOPs and latency together. */
  pareto: { hash: string; accuracy: number; items: number; meanFlops: number; meanLatencyMs: number; graph: Graph }[];
  cost: SearchCost;
  iterations: number;
  evaluatedGraphs: number;
  /** Best shrunk search utility after each iteration, against evaluations spent. */
  curve: { iteration: number; phase: Phase; evals: number; best: number; bestHash: string }[];
}

interface GraphRecord {
  hash: string;
  graph: Graph;
  origin: string;
  search: Map<string, ItemOutcome>;
  validation: Map<string, ItemOutcome>;
  failed: boolean;
}

export async function runSearch(setup: SearchSetup, options: RunOptions = {}): Promise<SearchResult> {
  const { space, objective, seed } = setup;
  const stats = options.stats ?? newRunStats();
  let seq = 0;
  const sink = options.sink;
  const pending: SearchEvent[] = [];
  const flush = async () => {
    while (pending.length > 0) {
      const e = pending.shift()!;
      const rec = { ...e, v: EVENT_VERSION, seq: seq++ } as RecordedEvent;
      if (sink) await sink.onEvent(rec);
    }
  };
  const emit = (e: SearchEvent) => pending.push(e);

  const searchItems = new Rng(seed, "search-items").shuffle(setup.task.items("search"));
  const validationAll = new Rng(seed, "validation-items").shuffle(setup.task.items("validation"));
  if (searchItems.length === 0) throw new UserError(`task ${setup.task.id} has no search items`, { code: "empty_split" });
  const selectionItems = validationAll.slice(0, setup.selection.items);
  const reserve = selectionItems.length * Math.max(0, setup.selection.candidates);
  if (setup.evals <= reserve) {
    throw new UserError(`--evals ${setup.evals} leaves nothing to search with: selection alone takes ${reserve} evaluations (${setup.selection.candidates} candidates x ${selectionItems.length} validation items)`, { code: "evals_too_small", source: "--evals" });
  }
  if (space.slots === 0 && space.outModels.length === 0) throw new InternalError("empty search space");

  const cost: SearchCost = {
    evals: { total: 0, probe: 0, pretest: 0, search: 0, selection: 0 },
    graphCalls: 0,
    graphRetries: 0,
    erroredItems: 0,
    graphFlops: 0,
    graphDollars: 0,
    agent: { calls: 0, failedCalls: 0, promptTokens: 0, completionTokens: 0, rejected: 0, fallbacks: 0 },
  };
  const records = new Map<string, GraphRecord>();
  const curve: SearchResult["curve"] = [];

  const chatCounts = new Map<string, number>();
  const channel: AgentChannel | undefined = setup.agent
    ? {
        model: setup.agent.model,
        chat: async (req) => {
          const key = chatKey(req.purpose, req.messages, req.jsonSchema?.name);
          const occurrence = chatCounts.get(key) ?? 0;
          chatCounts.set(key, occurrence + 1);
          const known = options.memo?.chat(key, occurrence);
          let response: AgentChatResponse | undefined;
          let error: { code: string; message: string } | undefined;
          if (known) {
            stats.replayedChats++;
            response = known.response;
            error = known.error;
          } else {
            try {
              response = await setup.agent!.call(req);
            } catch (err) {
              const e = err as { code?: string; message?: string };
              error = { code: typeof e.code === "string" ? e.code : "agent_call", message: e.message ?? String(err) };
            }
          }
          cost.agent.calls++;
          if (error) cost.agent.failedCalls++;
          if (response) {
            cost.agent.promptTokens += response.promptTokens ?? 0;
            cost.agent.completionTokens += response.completionTokens ?? 0;
          }
          emit({ type: "agent.call", purpose: req.purpose, key, occurrence, model: setup.agent!.model, messages: req.messages, response, error });
          await flush();
          if (error) throw new AgentCallError(error.code, error.message);
          return response!;
        },
      }
    : undefined;

  const optimizer: Optimizer = setup.optimizer({
    space,
    seed,
    objective,
    task: { id: setup.task.id, style: setup.task.style, description: setup.task.description },
    llm: channel,
    emit: (e) => {
      if (e.type === "agent.rejected") cost.agent.rejected++;
      if (e.type === "agent.fallback") cost.agent.fallbacks++;
      emit(e);
    },
    options: setup.optimizerOptions ?? {},
  });
  const samples = setup.samples ?? optimizer.defaults.samples;
  const batchSize = setup.batch ?? optimizer.defaults.batch;

  emit({
    type: "run.started",
    optimizer: setup.optimizerName,
    seed,
    task: setup.task.id,
    pool: setup.pool,
    config: setup.config ?? null,
    space: { ...space.describe(), objective: describeObjective(objective) },
    searchItems: searchItems.length,
    validationItems: selectionItems.length,
  });
  await flush();

  /** Evaluate a graph on items it has not seen on this split; returns every item's outcome in order. */
  const evaluateOn = async (rec: GraphRecord, items: TaskItem[], split: EvalSplit): Promise<{ all: ItemOutcome[]; fresh: ItemOutcome[] }> => {
    const known = split === "search" ? rec.search : rec.validation;
    const missing = items.filter((it) => !known.has(it.id));
    const fresh: ItemOutcome[] = [];
    const toRun: TaskItem[] = [];
    for (const it of missing) {
      const m = options.memo?.item(split, rec.hash, it.id);
      if (m) {
        stats.replayedItems++;
        fresh.push(m);
      } else toRun.push(it);
    }
    if (toRun.length > 0) {
      stats.evaluatorCalls++;
      const out = await setup.evaluator(rec.graph, toRun, split);
      if (out.length !== toRun.length) throw new InternalError(`evaluator returned ${out.length} outcomes for ${toRun.length} items`);
      fresh.push(...out);
    }
    const byId = new Map(fresh.map((o) => [o.itemId, o]));
    // Keep the batch order so the log is the same whichever items were replayed.
    const ordered = missing.map((it) => byId.get(it.id)!);
    for (const o of ordered) known.set(o.itemId, o);
    for (const o of ordered) {
      cost.graphCalls += o.calls;
      cost.graphRetries += o.retries ?? 0;
      if (o.errored) cost.erroredItems++;
      cost.graphFlops += o.flops;
      cost.graphDollars = cost.graphDollars === undefined || o.dollars === undefined ? undefined : cost.graphDollars + o.dollars;
    }
    return { all: items.map((it) => known.get(it.id)!), fresh: ordered };
  };

  const isFailed = (outcomes: readonly ItemOutcome[]) => outcomes.length > 0 && outcomes.filter((o) => o.errored).length / outcomes.length > setup.failureThreshold;

  const told = new Set<string>();
  let cursor = 0;
  let iteration = 0;
  let spent = 0;
  const searchBudget = setup.evals - reserve;
  const maxIterations = setup.iterations ?? Infinity;
  let idle = 0;

  while (spent < searchBudget && iteration < maxIterations) {
    const remaining = searchBudget - spent;
    const ask = await optimizer.ask({ iteration, samples, batch: batchSize, remainingEvals: remaining });
    await flush();
    const phase: Phase = ask.phase ?? "search";
    if (ask.proposals.length === 0) break;
    let itemsWanted = Math.max(1, Math.min(ask.items ?? batchSize, searchItems.length));

    // Accept or reject each draft: schema, structure, pool models, budget.
    const accepted: Proposal[] = [];
    const outcomes: EvalOutcome[] = [];
    ask.proposals.forEach((d, k) => {
      const id = `p${iteration}.${k}`;
      const problem = checkDraft(d, space);
      if (problem) {
        const proposal: Proposal = { ...d, id, hash: "", iteration };
        emit({ type: "proposal.rejected", iteration, id, origin: d.origin, reason: problem });
        const empty = scoreOf([], objective);
        outcomes.push({ proposal, status: "rejected", items: [], batch: empty, total: empty, reason: problem });
        return;
      }
      accepted.push({ ...d, id, hash: graphHash(d.graph), iteration });
    });

    // Fit the batch into what is left: fewer graphs first, then fewer items.
    const costOf = (props: Proposal[], items: TaskItem[]) => {
      const seen = new Set<string>();
      let c = 0;
      for (const p of props) {
        if (seen.has(p.hash)) continue;
        seen.add(p.hash);
        const rec = records.get(p.hash);
        c += rec ? items.filter((it) => !rec.search.has(it.id)).length : items.length;
      }
      return c;
    };
    // Items every proposal has already been evaluated on teach nothing: the batch skips them.
    const seenByAll = (it: TaskItem) => accepted.length > 0 && accepted.every((p) => records.get(p.hash)?.search.has(it.id) === true);
    let taken = takeItems(searchItems, cursor, itemsWanted, seenByAll);
    let batchItems = taken.items;
    let use = accepted;
    while (use.length > 1 && costOf(use, batchItems) > remaining) use = use.slice(0, -1);
    if (use.length > 0 && costOf(use, batchItems) > remaining) {
      itemsWanted = Math.max(1, remaining);
      taken = takeItems(searchItems, cursor, itemsWanted, seenByAll);
      batchItems = taken.items;
    }
    const dropped = accepted.slice(use.length);
    cursor += taken.scanned;

    emit({ type: "iteration.started", iteration, phase, split: "search", items: batchItems.map((i) => i.id) });
    for (const p of use) emit({ type: "graph.proposed", iteration, id: p.id, hash: p.hash, origin: p.origin, graph: p.graph });
    for (const p of dropped) emit({ type: "proposal.rejected", iteration, id: p.id, origin: p.origin, reason: "the search's evaluation budget ran out" });
    await flush();

    // Evaluate each distinct graph once, concurrently (the executor limits concurrency).
    const unique = new Map<string, Proposal>();
    for (const p of use) if (!unique.has(p.hash)) unique.set(p.hash, p);
    const results = await Promise.all(
      [...unique.values()].map(async (p) => {
        let rec = records.get(p.hash);
        if (!rec) {
          rec = { hash: p.hash, graph: p.graph, origin: p.origin, search: new Map(), validation: new Map(), failed: false };
          records.set(p.hash, rec);
        }
        const r = await evaluateOn(rec, batchItems, "search");
        return { p, rec, ...r };
      }),
    );
    let iterationCost = 0;
    const byHash = new Map<string, { rec: GraphRecord; all: ItemOutcome[]; status: "ok" | "failed" }>();
    for (const { p, rec, all, fresh } of results) {
      const status = isFailed(all) ? "failed" : "ok";
      if (status === "failed") rec.failed = true;
      iterationCost += fresh.length;
      emit({ type: "eval.batch", iteration, split: "search", hash: p.hash, status, items: fresh, reused: all.length - fresh.length, score: scoreOf(all, objective) });
      byHash.set(p.hash, { rec, all, status });
    }
    spent += iterationCost;
    cost.evals[phase] += iterationCost;
    cost.evals.total += iterationCost;

    for (const p of use) {
      const r = byHash.get(p.hash)!;
      const totalScore = scoreOf([...r.rec.search.values()], objective);
      outcomes.push({ proposal: p, status: r.status, items: r.all, batch: scoreOf(r.all, objective), total: totalScore, reason: r.status === "failed" ? `${r.all.filter((o) => o.errored).length} of ${r.all.length} items errored` : undefined });
    }
    for (const p of dropped) {
      const empty = scoreOf([], objective);
      outcomes.push({ proposal: p, status: "rejected", items: [], batch: empty, total: empty, reason: "the search's evaluation budget ran out" });
    }
    for (const o of outcomes) {
      if (told.has(o.proposal.id)) throw new InternalError(`proposal ${o.proposal.id} reported twice`);
      told.add(o.proposal.id);
    }
    outcomes.sort((a, b) => proposalOrder(a.proposal.id) - proposalOrder(b.proposal.id));
    await flush();
    await optimizer.tell(outcomes);
    const snap = optimizer.snapshot?.();
    if (snap !== undefined) emit({ type: "optimizer.updated", iteration, state: snap });

    const leader = rankRecords(records, objective)[0];
    const best = leader ? { hash: leader.rec.hash, value: leader.value, accuracy: leader.score.accuracy, items: leader.score.items } : undefined;
    emit({ type: "iteration.finished", iteration, phase, evals: cost.evals.total, best });
    curve.push({ iteration, phase, evals: cost.evals.total, best: best?.value ?? NaN, bestHash: best?.hash ?? "" });
    await flush();
    idle = iterationCost === 0 ? idle + 1 : 0;
    // An optimizer that keeps proposing graphs it has already seen on these items makes no progress.
    if (idle >= 200) break;
    iteration++;
  }

  // ---- Selection on held-out validation items ----
  const ranked = rankRecords(records, objective);
  // What the search learnt about each graph, shrunk so a lucky batch counts for little.
  const prior = searchEvidence(records);
  const chosenSet: GraphRecord[] = [];
  const finalists = optimizer.finalists?.() ?? [];
  // An optimizer may name its own finalists (e.g. the graphs it measured most): they come first.
  for (const f of finalists.slice(0, setup.selection.candidates)) {
    if (checkDraft(f, space)) continue;
    const h = graphHash(f.graph);
    let rec = records.get(h);
    if (!rec) {
      rec = { hash: h, graph: f.graph, origin: f.origin, search: new Map(), validation: new Map(), failed: false };
      records.set(h, rec);
    }
    if (!rec.failed && !chosenSet.includes(rec)) chosenSet.push(rec);
  }
  for (const r of ranked) {
    if (chosenSet.length >= setup.selection.candidates || (optimizer.finalistsComplete && chosenSet.length > 0)) break;
    if (!chosenSet.includes(r.rec)) chosenSet.push(r.rec);
  }
  if (chosenSet.length === 0) {
    const sample = [...records.values()].flatMap((r) => [...r.search.values()]).find((o) => o.error !== undefined)?.error;
    // A runtime failure (the endpoints), not a mistake in the input: the folder resumes once they answer.
    throw new TtsGraphError("search_failed", `every evaluated graph failed (too many errored items): no graph to choose; check the model endpoints${sample ? ` (an error seen: ${sample})` : ""}`);
  }
  // Two rounds of successive halving on validation items: every candidate on the first part, the
  // better half on the rest, for the same total as every candidate on `items`.
  const rounds = selectionRounds(chosenSet.length, setup.selection.items, validationAll.length, setup.selection.candidates);
  let alive = chosenSet;
  let used = 0;
  for (const [r, perCandidate] of rounds.entries()) {
    if (alive.length === 0) break;
    const roundItems = validationAll.slice(0, used + perCandidate);
    used += perCandidate;
    emit({ type: "iteration.started", iteration: iteration + r, phase: "selection", split: "validation", items: roundItems.slice(roundItems.length - perCandidate).map((i) => i.id) });
    await flush();
    const vals = await Promise.all(alive.map(async (rec) => ({ rec, ...(await evaluateOn(rec, roundItems, "validation")) })));
    for (const { rec, all, fresh } of vals) {
      const status = isFailed(all) ? "failed" : "ok";
      emit({ type: "eval.batch", iteration: iteration + r, split: "validation", hash: rec.hash, status, items: fresh, reused: all.length - fresh.length, score: scoreOf(all, objective) });
      cost.evals.selection += fresh.length;
      cost.evals.total += fresh.length;
    }
    await flush();
    if (r < rounds.length - 1) {
      const keep = Math.max(1, Math.ceil(alive.length / 2));
      alive = [...alive].sort((a, b) => selectionUtility(b, objective, setup.selection.confidence, prior) - selectionUtility(a, objective, setup.selection.confidence, prior) || (a.hash < b.hash ? -1 : 1)).slice(0, keep);
    }
  }
  const { best, rule, reports } = choose(chosenSet, alive, objective, space, setup.selection.confidence, used > 0, prior);
  emit({
    type: "selection",
    candidates: reports.map((r) => ({ hash: r.hash, search: r.search, validation: r.validation, versusBest: r.versusBest })),
    chosen: best.hash,
    rule,
  });

  const result: SearchResult = {
    version: 1,
    optimizer: setup.optimizerName,
    seed,
    task: setup.task.id,
    pool: setup.pool,
    objective,
    budget: space.budget,
    best,
    selectionRule: rule,
    candidates: reports,
    pareto: paretoSet(records, objective),
    cost,
    iterations: iteration,
    evaluatedGraphs: records.size,
    curve,
  };
  emit({ type: "run.finished", best: best.hash, evals: cost.evals.total, summary: { validation: best.validation, search: best.search, cost } });
  await flush();
  return result;
}

/** Raised inside the agent channel when the LLM call failed; agents treat it like invalid output. */
export class AgentCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "AgentCallError";
  }
}

function proposalOrder(id: string): number {
  return Number(id.slice(id.indexOf(".") + 1));
}

/** Up to `n` items from the cyclic stream at `cursor`, skipping those `skip` rejects; and how far it read. */
function takeItems(items: readonly TaskItem[], cursor: number, n: number, skip: (item: TaskItem) => boolean): { items: TaskItem[]; scanned: number } {
  const out: TaskItem[] = [];
  let scanned = 0;
  while (out.length < n && scanned < items.length) {
    const it = items[(cursor + scanned) % items.length]!;
    scanned++;
    if (!skip(it)) out.push(it);
  }
  return { items: out, scanned };
}

/** Why a draft cannot run, or undefined when it can. */
export function checkDraft(d: ProposalDraft, space: SearchSpace): string | undefined {
  const parsed = safeParseGraph(d.graph, { models: [...space.models, ...space.outModels] });
  if (!parsed.success) {
    const errs = parsed.issues.filter((i) => i.severity === "error");
    return `invalid graph: ${errs.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
  }
  if (space.outputFixed) {
    const out = d.graph.nodes.find((n) => n.id === d.graph.output);
    if (out && out.model !== space.outModels[0]) return `the output node must use the fixed output model ${space.outModels[0]}`;
  }
  const check = space.check(d.graph);
  if (!check.ok) return `over budget: ${check.reason ?? "cost unknown"}`;
  return undefined;
}

function rankRecords(records: ReadonlyMap<string, GraphRecord>, objective: Objective): { rec: GraphRecord; value: number; score: Score }[] {
  // Empirical-Bayes accuracy, paired to the most-evaluated graph where a graph shares items with it.
  const book = new PairedBook();
  for (const r of records.values()) if (!r.failed) book.add(r.hash, [...r.search.values()]);
  const est = empiricalBayesWithSd(book);
  const out: { rec: GraphRecord; value: number; score: Score }[] = [];
  for (const rec of records.values()) {
    if (rec.failed || rec.search.size === 0) continue;
    const score = scoreOf([...rec.search.values()], objective);
    if (score.items - score.errored === 0) continue;
    const acc = est.get(rec.hash)?.mean ?? NaN;
    const value = utilityOf(objective, { accuracy: acc, meanLatencyMs: score.meanLatencyMs, meanDollars: score.meanDollars });
    if (!Number.isFinite(value)) continue;
    out.push({ rec, value, score });
  }
  // Ties go to the graph seen on more items, then the cheaper one, then the hash (stable).
  out.sort((a, b) => b.value - a.value || b.score.items - a.score.items || a.score.meanFlops - b.score.meanFlops || (a.rec.hash < b.rec.hash ? -1 : 1));
  return out;
}

function report(rec: GraphRecord, objective: Objective, space: SearchSpace, confidence: number): CandidateReport {
  const plan = space.plan(rec.graph);
  const topo = topology(rec.graph);
  const search = scoreOf([...rec.search.values()], objective);
  let validation: CandidateReport["validation"];
  if (rec.validation.size > 0) {
    const v = scoreOf([...rec.validation.values()], objective);
    validation = { ...v, ci: wilson(v.correct, v.items - v.errored, confidence) };
  }
  return {
    hash: rec.hash,
    graph: rec.graph,
    origin: rec.origin,
    search,
    validation,
    plan: { units: plan.units, flops: plan.totalFlops, latencyMs: plan.latencyMs, dollars: plan.dollars },
    width: topo.width,
    depth: topo.depth,
    nodes: rec.graph.nodes.length,
  };
}

/**
 * How many validation items each selection round gives each surviving candidate: with more than two
 * candidates, half of the budget on all of them, the other half on the better half; the totals are
 * `candidates x items` either way.
 */
export function selectionRounds(candidates: number, items: number, available: number, reserved = candidates): number[] {
  if (candidates <= 0 || items <= 0 || available <= 0) return [];
  // The evaluations reserved for the selection are spent whatever the number of finalists: fewer
  // finalists are each measured on more items.
  const total = Math.max(candidates, reserved) * items;
  if (candidates <= 2) return [Math.min(Math.floor(total / candidates), available)];
  const first = Math.max(1, Math.floor(total / (2 * candidates)));
  const keep = Math.ceil(candidates / 2);
  const second = Math.floor((total - candidates * first) / keep);
  return [Math.min(first, available), Math.max(0, Math.min(second, available - first))].filter((n) => n > 0);
}

/** Pseudo-items of the pooled search accuracy each graph's search accuracy is shrunk with at selection. */
const SEARCH_SHRINK = 8;

/**
 * Each graph's accuracy on its search items, shrunk toward the pooled accuracy of all graphs by
 * {@link SEARCH_SHRINK} pseudo-items, with its standard error: a graph that topped one batch of six
 * items gains little from it, one measured on a hundred items keeps nearly its own accuracy.
 * (The empirical-Bayes estimates that rank graphs during the search are fine for ordering but can
 * shrink every graph to nearly the same level, which would drown the validation items.)
 */
function searchEvidence(records: ReadonlyMap<string, GraphRecord>): Map<string, { mean: number; sd: number }> {
  let c = 0;
  let n = 0;
  const own = new Map<string, { correct: number; graded: number }>();
  for (const r of records.values()) {
    if (r.failed) continue;
    let rc = 0;
    let rn = 0;
    for (const o of r.search.values()) {
      if (o.errored || o.correct === null) continue;
      rn++;
      if (o.correct) rc++;
    }
    own.set(r.hash, { correct: rc, graded: rn });
    c += rc;
    n += rn;
  }
  const pooled = n > 0 ? c / n : 0.5;
  const out = new Map<string, { mean: number; sd: number }>();
  for (const [h, o] of own) {
    if (o.graded === 0) continue;
    const mean = (o.correct + SEARCH_SHRINK * pooled) / (o.graded + SEARCH_SHRINK);
    out.set(h, { mean, sd: Math.sqrt(Math.max(mean * (1 - mean), 0.01) / (o.graded + SEARCH_SHRINK)) });
  }
  return out;
}

/**
 * A graph's accuracy from its validation items and, when given, its search estimate: two
 * independent measurements combined by precision (normal approximation), with the lower end of the
 * confidence interval. The search estimate is already shrunk toward the other graphs, so one lucky
 * batch adds little, while a graph the search measured on a hundred items is not judged on a few
 * dozen validation items alone. Without a search estimate it is the validation accuracy and its
 * Wilson bound.
 */
export function combinedEstimate(validation: { correct: number; graded: number }, search: { mean: number; sd: number } | undefined, confidence: number): { mean: number; low: number } {
  const { correct, graded } = validation;
  if (!search || !Number.isFinite(search.mean) || !(search.sd > 0)) return { mean: graded > 0 ? correct / graded : NaN, low: wilson(correct, graded, confidence).low };
  // Validation accuracy with one pseudo-item each way, so 0/n and n/n keep a finite variance.
  const p = (correct + 1) / (graded + 2);
  const precV = (graded + 2) / Math.max(p * (1 - p), 0.01);
  const precS = 1 / (search.sd * search.sd);
  const mean = (p * precV + search.mean * precS) / (precV + precS);
  return { mean, low: mean - zFor(confidence) / Math.sqrt(precV + precS) };
}

/**
 * The objective's value at the lower confidence bound of a graph's combined accuracy (validation,
 * plus the search's estimate when given): between graphs of about the same accuracy, the one
 * measured on more items is the safer choice.
 */
function selectionUtility(rec: GraphRecord, objective: Objective, confidence: number, prior?: ReadonlyMap<string, { mean: number; sd: number }>): number {
  const v = scoreOf([...rec.validation.values()], objective);
  const graded = v.items - v.errored;
  if (graded === 0 || v.errored / Math.max(1, v.items) > 0.5) return -Infinity;
  const est = combinedEstimate({ correct: v.correct, graded }, prior?.get(rec.hash), confidence);
  const u = utilityOf(objective, { accuracy: est.low, meanLatencyMs: v.meanLatencyMs, meanDollars: v.meanDollars });
  return Number.isFinite(u) ? u : -Infinity;
}

/**
 * The choice: the finalist with the highest lower confidence bound of its accuracy, through the
 * objective, from its validation items combined with its shrunk search accuracy (raw search scores of graphs seen on a few
 * items carry the search's own selection bias; shrunk, they carry little). Ties go to the graph
 * with more search evidence.
 */
function choose(set: GraphRecord[], finalists: GraphRecord[], objective: Objective, space: SearchSpace, confidence: number, validated: boolean, prior?: ReadonlyMap<string, { mean: number; sd: number }>): { best: CandidateReport; rule: string; reports: CandidateReport[] } {
  const reports = set.map((r) => report(r, objective, space, confidence));
  const scored = finalists.filter((r) => Number.isFinite(selectionUtility(r, objective, confidence, prior)));
  if (!validated || scored.length === 0) {
    return { best: reports[0]!, rule: "best on search items (no validation items could be scored)", reports };
  }
  const best = scored.reduce((a, b) => {
    const d = selectionUtility(b, objective, confidence, prior) - selectionUtility(a, objective, confidence, prior);
    return d > 0 || (d === 0 && b.search.size > a.search.size) ? b : a;
  });
  for (const r of reports) {
    const rec = set.find((x) => x.hash === r.hash)!;
    r.versusBest = rec.validation.size > 0 && rec !== best ? pairedDifference(rec.validation, best.validation, confidence) : undefined;
  }
  const bestReport = reports.find((r) => r.hash === best.hash)!;
  const tied = reports.filter((r) => r.versusBest && r.versusBest.high >= 0).length;
  const n = bestReport.validation!.items;
  const conf = Math.round(confidence * 100);
  const rule =
    `highest ${conf}% lower bound of accuracy (validation items combined with the shrunk search accuracy) among ${finalists.length} finalist${finalists.length === 1 ? "" : "s"} (of ${set.length} candidates, halved after the first validation round); ${n} validation items` +
    (tied > 0 ? `; ${tied} other candidate${tied === 1 ? " is" : "s are"} within the ${conf}% paired interval of it` : "; ahead of every other candidate beyond the paired interval");
  return { best: bestReport, rule, reports };
}

function paretoSet(records: ReadonlyMap<string, GraphRecord>, objective: Objective): SearchResult["pareto"] {
  const pts = rankRecords(records, objective).map(({ rec, score }) => {
    const all = [...rec.search.values(), ...rec.validation.values()];
    const s = scoreOf(all, objective);
    return { hash: rec.hash, accuracy: s.accuracy, items: s.items, meanFlops: score.meanFlops, meanLatencyMs: score.meanLatencyMs, graph: rec.graph };
  });
  // Graphs seen on very few items are too noisy to claim a place on the front.
  const solid = pts.filter((p) => p.items >= 8);
  const front = solid.filter((p) => !solid.some((q) => q !== p && q.accuracy >= p.accuracy && q.meanFlops <= p.meanFlops && q.meanLatencyMs <= p.meanLatencyMs && (q.accuracy > p.accuracy || q.meanFlops < p.meanFlops || q.meanLatencyMs < p.meanLatencyMs)));
  return front.sort((a, b) => a.meanFlops - b.meanFlops);
}
