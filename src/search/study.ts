/**
 * A study: the search as ask and tell, the way Optuna drives trials. `ask()` gives the next
 * evaluation request (graphs, each with the items to run it on); `tell()` gives back what each graph
 * did on each item. The study does everything else: it asks the optimizer for proposals, checks
 * each against the graph schema and the budget before anything runs, fits each iteration into the
 * evaluation budget, answers from a replayed journal what it already knows, tells the optimizer the
 * scores, records every event, and at the end validates the best candidates and chooses.
 *
 *     const study = await Study.start(setup, { sink });
 *     for (let req = study.ask(); req; req = study.ask()) {
 *       const outcomes = await Promise.all(req.evaluations.map((e) => myCluster.run(e.graph, e.items, req.split)));
 *       await study.tell(req, outcomes);
 *     }
 *     const result = study.result;
 *
 * The run is a deterministic function of (setup, seed, outcomes): randomness comes from keyed
 * streams, so the same outcomes give the same events whoever evaluates them.
 */
import { InternalError, UserError } from "../errors.js";
import { graphHash, type Graph } from "../graph/index.js";
import type { TaskItem } from "../tasks/types.js";
import { Rng } from "../util/rng.js";
import { addEvals, addItemCosts, newSearchCost, type SearchCost } from "./cost.js";
import type { EvalSplit } from "./events.js";
import { newRunStats, type RunOptions, type RunStats, type SearchResult, type SearchSetup } from "./contract.js";
import { describeObjective } from "./objective.js";
import { checkDraft, isFailed, recordOf, type GraphRecord } from "./records.js";
import { EventLog, replayingChannel } from "./replay.js";
import { candidateSet, choose, halve, paretoSet, rankRecords, selectionRounds, type SelectionContext } from "./selection.js";
import { scoreOf } from "./score.js";
import { pooledShrunkAccuracy } from "./statistics.js";
import type { EvalOutcome, ItemOutcome, Optimizer, Phase, Proposal, ProposalDraft } from "./types.js";

/** Graphs to evaluate, each on its own items: what {@link Study.ask} gives. */
export interface EvaluationRequest {
  /** Position of the request in the study (0, 1, ...). */
  seq: number;
  phase: Phase;
  iteration: number;
  /** Which split the items come from; an evaluator may treat validation items like any others. */
  split: EvalSplit;
  /** Items a graph already has an outcome for (evaluated or replayed) are left out. */
  evaluations: { hash: string; graph: Graph; items: TaskItem[] }[];
}

/** Iterations in a row that evaluate nothing new before the search stops making no progress. */
const MAX_IDLE_ITERATIONS = 200;

interface State {
  setup: SearchSetup;
  options: RunOptions;
  stats: RunStats;
  log: EventLog;
  cost: SearchCost;
  records: Map<string, GraphRecord>;
  curve: SearchResult["curve"];
  optimizer: Optimizer;
  searchItems: TaskItem[];
  validationAll: TaskItem[];
  selectionItems: TaskItem[];
  samples: number;
  batchSize: number;
  searchBudget: number;
  told: Set<string>;
  cursor: number;
  iteration: number;
  spent: number;
  idle: number;
  requests: number;
}

type Steps<T> = AsyncGenerator<EvaluationRequest, T, ItemOutcome[][]>;

/**
 * @example
 * ```ts
 * import { buildSearch, parseSearchConfig, resolvePool, resolveProviders, resolveTask, Study } from "tts-graph";
 *
 * const config = parseSearchConfig({ task: "sim:math", pool: "sim:llama", budget: 18, evals: 200 });
 * const task = resolveTask(config.task);
 * const pool = resolvePool(config.pool);
 * const setup = buildSearch(config, { task, pool, providers: resolveProviders(pool, { task }) });
 * const study = await Study.start(setup);
 * for (let req = study.ask(); req; req = study.ask()) {
 *   // Run each graph on its items wherever you like (your own executor, your own cluster).
 *   const outcomes = await Promise.all(req.evaluations.map((e) => setup.evaluator(e.graph, e.items, req.split)));
 *   await study.tell(req, outcomes);
 * }
 * console.log(study.result?.best.hash);
 * ```
 */
export class Study {
  private current: EvaluationRequest | undefined;
  private finished: SearchResult | undefined;

  private constructor(private readonly steps: Steps<SearchResult>) {}

  /** Start a study: checks the setup, builds the optimizer, records `run.started`, and prepares the first request. */
  static async start(setup: SearchSetup, options: RunOptions = {}): Promise<Study> {
    const study = new Study(studySteps(setup, options));
    await study.advance(undefined);
    return study;
  }

  /** The next evaluations to run, or undefined when the study is finished (see {@link result}). */
  ask(): EvaluationRequest | undefined {
    return this.current;
  }

  /** What each graph of the request did on each of its items, in the request's order. */
  async tell(request: EvaluationRequest, outcomes: ItemOutcome[][]): Promise<void> {
    const cur = this.current;
    if (!cur || request.seq !== cur.seq) throw new UserError(`study.tell: request ${request.seq} is not the one asked (${cur ? `request ${cur.seq}` : "the study is finished"})`, { code: "study_out_of_order" });
    if (outcomes.length !== cur.evaluations.length) throw new UserError(`study.tell: ${outcomes.length} outcome lists for ${cur.evaluations.length} graphs`, { code: "study_bad_outcomes" });
    cur.evaluations.forEach((e, i) => {
      const got = outcomes[i]!;
      if (got.length !== e.items.length || got.some((o, k) => o.itemId !== e.items[k]!.id)) {
        throw new UserError(`study.tell: graph ${e.hash} has ${got.length} outcomes for ${e.items.length} items; give one per item, in the request's order`, { code: "study_bad_outcomes" });
      }
    });
    await this.advance(outcomes);
  }

  /** The search result once every request was told. */
  get result(): SearchResult | undefined {
    return this.finished;
  }

  private async advance(outcomes: ItemOutcome[][] | undefined): Promise<void> {
    const r = await this.steps.next(outcomes as ItemOutcome[][]);
    this.current = r.done ? undefined : r.value;
    if (r.done) this.finished = r.value;
  }
}

/** The whole study as one sequence of steps: start, search iterations, selection. */
async function* studySteps(setup: SearchSetup, options: RunOptions): Steps<SearchResult> {
  const st = await begin(setup, options);
  let ended: string | undefined;
  while (ended === undefined) {
    if (st.spent >= st.searchBudget) ended = "the search spent its share of the budget";
    else if (st.iteration >= (setup.iterations ?? Infinity)) ended = `the search reached its cap of ${setup.iterations} iterations`;
    else {
      ended = yield* searchIteration(st);
      if (ended === undefined) st.iteration++;
    }
  }
  return yield* selection(st, ended);
}

/** Check the setup, shuffle the items, build the optimizer and record the start. */
async function begin(setup: SearchSetup, options: RunOptions): Promise<State> {
  const { space, seed } = setup;
  const stats = options.stats ?? newRunStats();
  const log = new EventLog(options.sink);
  const searchItems = new Rng(seed, "search-items").shuffle(setup.task.items("search"));
  const validationAll = new Rng(seed, "validation-items").shuffle(setup.task.items("validation"));
  if (searchItems.length === 0) throw new UserError(`task ${setup.task.id} has no search items`, { code: "empty_split" });
  const selectionItems = validationAll.slice(0, setup.selection.items);
  const reserve = selectionItems.length * Math.max(0, setup.selection.candidates);
  if (setup.evals <= reserve) {
    throw new UserError(`--evals ${setup.evals} leaves nothing to search with: selection alone takes ${reserve} evaluations (${setup.selection.candidates} candidates x ${selectionItems.length} validation items)`, { code: "evals_too_small", source: "--evals" });
  }
  if (space.slots === 0 && space.outModels.length === 0) throw new InternalError("empty search space");
  const cost = newSearchCost();
  const optimizer = setup.optimizer({
    space,
    seed,
    objective: setup.objective,
    task: { id: setup.task.id, style: setup.task.style, description: setup.task.description },
    llm: setup.agent ? replayingChannel(setup.agent, log, cost, options.memo, stats) : undefined,
    emit: (e) => {
      if (e.type === "agent.rejected") cost.agent.rejected++;
      if (e.type === "agent.fallback") cost.agent.fallbacks++;
      log.emit(e);
    },
    options: setup.optimizerOptions ?? {},
  });
  log.emit({
    type: "run.started",
    optimizer: setup.optimizerName,
    seed,
    task: setup.task.id,
    pool: setup.pool,
    config: setup.config ?? null,
    space: { ...space.describe(), objective: describeObjective(setup.objective) },
    searchItems: searchItems.length,
    validationItems: selectionItems.length,
  });
  await log.flush();
  const samples = setup.samples ?? optimizer.defaults.samples;
  const batchSize = setup.batch ?? optimizer.defaults.batch;
  return { setup, options, stats, log, cost, records: new Map(), curve: [], optimizer, searchItems, validationAll, selectionItems, samples, batchSize, searchBudget: setup.evals - reserve, told: new Set(), cursor: 0, iteration: 0, spent: 0, idle: 0, requests: 0 };
}

/**
 * Evaluate graphs on items they have not seen on this split: outcomes the journal holds are
 * replayed, the rest asked for in one request. Returns each graph's outcomes on all its items, and
 * the newly known ones, in item order (so the log is the same whichever items were replayed).
 */
async function* evaluateRecords(st: State, jobs: { rec: GraphRecord; items: TaskItem[] }[], split: EvalSplit, phase: Phase, iteration: number): Steps<{ rec: GraphRecord; all: ItemOutcome[]; fresh: ItemOutcome[] }[]> {
  const prepared = jobs.map(({ rec, items }) => {
    const known = split === "search" ? rec.search : rec.validation;
    const missing = items.filter((it) => !known.has(it.id));
    const fresh: ItemOutcome[] = [];
    const toRun: TaskItem[] = [];
    for (const it of missing) {
      const m = st.options.memo?.item(split, rec.hash, it.id);
      if (m) {
        st.stats.replayedItems++;
        fresh.push(m);
      } else toRun.push(it);
    }
    return { rec, items, known, missing, fresh, toRun };
  });
  const asked = prepared.filter((p) => p.toRun.length > 0);
  if (asked.length > 0) {
    st.stats.evaluatorCalls += asked.length;
    const outs = yield { seq: st.requests++, phase, iteration, split, evaluations: asked.map((p) => ({ hash: p.rec.hash, graph: p.rec.graph, items: p.toRun })) };
    asked.forEach((p, i) => p.fresh.push(...outs[i]!));
  }
  return prepared.map(({ rec, items, known, missing, fresh }) => {
    const byId = new Map(fresh.map((o) => [o.itemId, o]));
    const ordered = missing.map((it) => byId.get(it.id)!);
    for (const o of ordered) known.set(o.itemId, o);
    addItemCosts(st.cost, ordered);
    return { rec, all: items.map((it) => known.get(it.id)!), fresh: ordered };
  });
}

/** Accept or reject each draft: schema, structure, pool models, budget. */
function acceptDrafts(st: State, drafts: ProposalDraft[]): { accepted: Proposal[]; outcomes: EvalOutcome[] } {
  const accepted: Proposal[] = [];
  const outcomes: EvalOutcome[] = [];
  const { iteration } = st;
  drafts.forEach((d, k) => {
    const id = `p${iteration}.${k}`;
    const problem = checkDraft(d, st.setup.space);
    if (problem) {
      st.log.emit({ type: "proposal.rejected", iteration, id, origin: d.origin, reason: problem });
      outcomes.push(rejected({ ...d, id, hash: "", iteration }, problem, st));
      return;
    }
    accepted.push({ ...d, id, hash: graphHash(d.graph), iteration });
  });
  return { accepted, outcomes };
}

function rejected(proposal: Proposal, reason: string, st: State): EvalOutcome {
  const empty = scoreOf([], st.setup.objective);
  return { proposal, status: "rejected", items: [], batch: empty, total: empty, reason };
}

/** Fit the batch into what is left: fewer graphs first, then fewer items. Items every proposal has seen teach nothing and are skipped. */
function fitBatch(st: State, accepted: Proposal[], wanted: number | undefined, remaining: number): { use: Proposal[]; dropped: Proposal[]; items: TaskItem[] } {
  const costOf = (props: Proposal[], items: TaskItem[]) => {
    const seen = new Set<string>();
    let c = 0;
    for (const p of props) {
      if (seen.has(p.hash)) continue;
      seen.add(p.hash);
      const rec = st.records.get(p.hash);
      c += rec ? items.filter((it) => !rec.search.has(it.id)).length : items.length;
    }
    return c;
  };
  const seenByAll = (it: TaskItem) => accepted.length > 0 && accepted.every((p) => st.records.get(p.hash)?.search.has(it.id) === true);
  let taken = takeItems(st.searchItems, st.cursor, Math.max(1, Math.min(wanted ?? st.batchSize, st.searchItems.length)), seenByAll);
  let use = accepted;
  while (use.length > 1 && costOf(use, taken.items) > remaining) use = use.slice(0, -1);
  if (use.length > 0 && costOf(use, taken.items) > remaining) taken = takeItems(st.searchItems, st.cursor, Math.max(1, remaining), seenByAll);
  st.cursor += taken.scanned;
  return { use, dropped: accepted.slice(use.length), items: taken.items };
}

/** One search iteration: ask the optimizer, evaluate its graphs on one batch, tell it. Why the search ends, if it should. */
async function* searchIteration(st: State): Steps<string | undefined> {
  const { objective } = st.setup;
  const iteration = st.iteration;
  const remaining = st.searchBudget - st.spent;
  const ask = await st.optimizer.ask({ iteration, samples: st.samples, batch: st.batchSize, remainingEvals: remaining });
  await st.log.flush();
  const phase: Phase = ask.phase ?? "search";
  if (ask.proposals.length === 0) return "the optimizer proposed no more graphs";
  const { accepted, outcomes } = acceptDrafts(st, ask.proposals);
  const { use, dropped, items } = fitBatch(st, accepted, ask.items, remaining);
  const outOfBudget = "the search's evaluation budget ran out";
  st.log.emit({ type: "iteration.started", iteration, phase, split: "search", items: items.map((i) => i.id) });
  for (const p of use) st.log.emit({ type: "graph.proposed", iteration, id: p.id, hash: p.hash, origin: p.origin, graph: p.graph });
  for (const p of dropped) st.log.emit({ type: "proposal.rejected", iteration, id: p.id, origin: p.origin, reason: outOfBudget });
  await st.log.flush();

  // Each distinct graph is evaluated once.
  const unique = new Map<string, Proposal>();
  for (const p of use) if (!unique.has(p.hash)) unique.set(p.hash, p);
  const jobs = [...unique.values()].map((p) => ({ rec: recordOf(st.records, p.hash, p.graph, p.origin), items }));
  const results = yield* evaluateRecords(st, jobs, "search", phase, iteration);
  let iterationCost = 0;
  for (const { rec, all, fresh } of results) {
    const status = isFailed(all, st.setup.failureThreshold) ? "failed" : "ok";
    if (status === "failed") rec.failed = true;
    iterationCost += fresh.length;
    st.log.emit({ type: "eval.batch", iteration, split: "search", hash: rec.hash, status, items: fresh, reused: all.length - fresh.length, score: scoreOf(all, objective) });
  }
  st.spent += iterationCost;
  addEvals(st.cost, phase, iterationCost);
  const byHash = new Map(results.map((r) => [r.rec.hash, r]));
  for (const p of use) {
    const r = byHash.get(p.hash)!;
    const status = isFailed(r.all, st.setup.failureThreshold) ? "failed" : "ok";
    outcomes.push({ proposal: p, status, items: r.all, batch: scoreOf(r.all, objective), total: scoreOf([...r.rec.search.values()], objective), reason: status === "failed" ? `${r.all.filter((o) => o.errored).length} of ${r.all.length} items errored` : undefined });
  }
  for (const p of dropped) outcomes.push(rejected(p, outOfBudget, st));
  await tellOptimizer(st, outcomes);
  recordLeader(st, phase);
  await st.log.flush();
  st.idle = iterationCost === 0 ? st.idle + 1 : 0;
  // An optimizer that keeps proposing graphs it has already seen on these items makes no progress.
  return st.idle < MAX_IDLE_ITERATIONS ? undefined : `the optimizer proposed only graphs already evaluated on every search item for ${MAX_IDLE_ITERATIONS} iterations in a row`;
}

/** Tell the optimizer every proposal's outcome once, in proposal order, and log its state. */
async function tellOptimizer(st: State, outcomes: EvalOutcome[]): Promise<void> {
  for (const o of outcomes) {
    if (st.told.has(o.proposal.id)) throw new InternalError(`proposal ${o.proposal.id} reported twice`);
    st.told.add(o.proposal.id);
  }
  outcomes.sort((a, b) => proposalOrder(a.proposal.id) - proposalOrder(b.proposal.id));
  await st.log.flush();
  await st.optimizer.tell(outcomes);
  const snap = st.optimizer.snapshot?.();
  if (snap !== undefined) st.log.emit({ type: "optimizer.updated", iteration: st.iteration, state: snap });
}

/** The leader after an iteration: in the log and on the result's curve. */
function recordLeader(st: State, phase: Phase): void {
  const leader = rankRecords(st.records, st.setup.objective)[0];
  const best = leader ? { hash: leader.rec.hash, value: leader.value, accuracy: leader.score.accuracy, items: leader.score.items } : undefined;
  st.log.emit({ type: "iteration.finished", iteration: st.iteration, phase, evals: st.cost.evals.total, best });
  st.curve.push({ iteration: st.iteration, phase, evals: st.cost.evals.total, best: best?.value ?? NaN, bestHash: best?.hash ?? "" });
}

/** Validate the candidates on held-out items by successive halving, choose, and finish the run. */
async function* selection(st: State, ended: string): Steps<SearchResult> {
  const { setup, records, iteration } = st;
  // What the search left unspent goes to the selection, so every method spends the same budget.
  const leftover = Math.max(0, st.searchBudget - st.spent);
  const ranked = rankRecords(records, setup.objective);
  // What the search learnt about each graph, shrunk so a lucky batch counts for little.
  const prior = pooledShrunkAccuracy([...records.values()].filter((r) => !r.failed).map((r) => ({ hash: r.hash, outcomes: r.search.values() })));
  const ctx: SelectionContext = { objective: setup.objective, space: setup.space, confidence: setup.selection.confidence, failureThreshold: setup.failureThreshold, prior };
  const chosenSet = candidateSet(records, ranked, st.optimizer.finalists?.() ?? [], setup.selection.candidates, setup.space);
  const rounds = selectionRounds(chosenSet.length, setup.selection.items, st.validationAll.length, setup.selection.candidates, leftover);
  let alive = chosenSet;
  let used = 0;
  for (const [r, perCandidate] of rounds.entries()) {
    if (alive.length === 0) break;
    const roundItems = st.validationAll.slice(0, used + perCandidate);
    used += perCandidate;
    st.log.emit({ type: "iteration.started", iteration: iteration + r, phase: "selection", split: "validation", items: roundItems.slice(roundItems.length - perCandidate).map((i) => i.id) });
    await st.log.flush();
    const vals = yield* evaluateRecords(st, alive.map((rec) => ({ rec, items: roundItems })), "validation", "selection", iteration + r);
    for (const { rec, all, fresh } of vals) {
      const status = isFailed(all, setup.failureThreshold) ? "failed" : "ok";
      st.log.emit({ type: "eval.batch", iteration: iteration + r, split: "validation", hash: rec.hash, status, items: fresh, reused: all.length - fresh.length, score: scoreOf(all, setup.objective) });
      addEvals(st.cost, "selection", fresh.length);
    }
    await st.log.flush();
    if (r < rounds.length - 1) alive = halve(alive, ctx);
  }
  const { best, rule, reports } = choose(chosenSet, alive, used > 0, ctx);
  st.log.emit({ type: "selection", candidates: reports.map((r) => ({ hash: r.hash, search: r.search, validation: r.validation, versusBest: r.versusBest })), chosen: best.hash, rule });
  const result: SearchResult = {
    version: 1,
    optimizer: setup.optimizerName,
    seed: setup.seed,
    task: setup.task.id,
    pool: setup.pool,
    objective: setup.objective,
    budget: setup.space.budget,
    best,
    selectionRule: rule,
    candidates: reports,
    pareto: paretoSet(records, setup.objective),
    cost: st.cost,
    iterations: iteration,
    evaluatedGraphs: records.size,
    spending: spending(st, ended, leftover, used >= st.validationAll.length),
    curve: st.curve,
  };
  st.log.emit({ type: "run.finished", best: best.hash, evals: st.cost.evals.total, summary: { validation: best.validation, search: best.search, cost: st.cost } });
  await st.log.flush();
  return result;
}

/** Whether the whole budget was spent, and if not, why (`capped`: the selection used every validation item). */
function spending(st: State, ended: string, leftover: number, capped: boolean): SearchResult["spending"] {
  const unspent = st.setup.evals - st.cost.evals.total;
  const moved = leftover > 0 ? `; ${ended}, and its ${leftover} unspent evaluations went to the selection` : "";
  if (unspent <= 0) return { unspent: 0, reason: `the whole budget was spent${moved}` };
  const why = capped
    ? `the selection measured its candidates on all ${st.validationAll.length} validation items, and can spend no more`
    : "the selection's rounds give every candidate of a round the same number of items, and these could not be shared out evenly";
  return { unspent, reason: `${unspent} evaluation${unspent === 1 ? "" : "s"} unspent: ${why}${moved}` };
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
