/**
 * Agent-REINFORCE: REINFORCE's sample / gradient / update as sample / feedback / update, with an
 * agent writing the feedback and the update.
 *
 * 1. Probe (Insight 1): each model that fits the budget answers alone on the same few search items.
 * 2. Initialise: the agent chooses a few model multisets from the feasible ones, given the probes
 *    (workers feeding the strongest member, or a weaker model fusing stronger workers).
 * 3. Pretest: the chosen multisets and the best single model race on shared items by successive
 *    halving; the probabilistic graph is centred on the winner. With insights, the largest model
 *    that fits races too, alone and replicated, since a dozen probe items can rank it last.
 * 4. Iterate: sample K graphs near the centre and evaluate them on the same batch as the elites (the
 *    best graphs so far, and the best single model, the baseline any collaboration must beat); the
 *    agent turns the scores into feedback and a bounded update of the logits, validated before it is
 *    applied. Graphs are ranked by empirical-Bayes accuracy paired to the most-evaluated graph, so a
 *    newcomer's lucky batch does not displace a graph measured on many items. One sample each
 *    iteration is a graph a layer deeper than the incumbent (see ../moves.ts).
 * 5. Polish and select: the last share of the search budget re-measures the best two graphs and the
 *    best single model side by side on fresh items instead of sampling new ones, and the finalists
 *    offered to the selection are the best by estimate minus a posterior standard deviation among
 *    well-measured graphs, so the validation items decide between graphs the search knows well. The
 *    strongest single model (by a size prior, Insight 1) leads the finalists, and a collaboration is
 *    offered only when it beats it clearly; the list is complete, so the harness adds no graph of
 *    its own choosing.
 *
 * Ablations: `insights: false` (no insights in initialisation or updates), `init: "random"` (no
 * probes, pretest or agent initialisation: a neutral distribution), and the space's `fuser: false`.
 */
import { topology } from "../../graph/topology.js";
import { graphHash } from "../../graph/canonical.js";
import { LlmAgent } from "../../agent/llm.js";
import { predictCandidates, RuleAgent } from "../../agent/rules.js";
import { applyUpdate, validateUpdate } from "../../agent/update.js";
import { sizeMonotone } from "../../agent/insights.js";
import { structuralNeighbours, type Restructured } from "../restructure.js";
import { fitSurrogate } from "../surrogate.js";
import type { Agent, CandidateMultiset, IterationSummary, ModelProbe, SampleReport } from "../../agent/types.js";
import { ProbGraph, LOGIT_LIMIT } from "../distribution.js";
import { empiricalBayesWithSd, PairedBook, shrunkAccuracy } from "../score.js";
import { utilityOf } from "../objective.js";
import type { Genome, SearchSpace } from "../space.js";
import type { AskBatch, AskRequest, EvalOutcome, OptimizerContext, ProposalDraft, Score } from "../types.js";
import { BaseOptimizer, draftOf, sampleFeasible, usable } from "./common.js";

export interface AgentReinforceOptions {
  insights: boolean;
  init: "probe" | "random";
  /** Items each single model is probed on. */
  probeItems: number;
  /** Candidates the agent chooses for the pretest. */
  pretest: number;
  /** Items per pretest round; after each round the better half goes on (successive halving). */
  pretestRounds: number[];
  /** Best graphs so far re-evaluated with every batch. */
  elites: number;
  /** Logit margin the distribution keeps around the incumbent. */
  sharpness: number;
  /** Pseudo-items of "no difference" that paired estimates are shrunk with. */
  shrink: number;
  /** LLM agent: attempts per call before falling back to the rule agent. */
  maxAttempts: number;
  /** How graphs are ranked: empirical Bayes, or a fixed shrinkage. */
  estimator: "eb" | "shrink";
  /** Keep the best single-model graph among the elites. */
  keepSingle: boolean;
  /** Weight, in items, of the probes' predicted accuracy of each pretest contender. */
  priorItems: number;
  /** Share of the search budget, at its end, spent re-measuring the best graphs instead of sampling new ones. */
  polish: number;
  /** Graphs re-measured during the polish. */
  polishElites: number;
  /** Rank graphs by their estimate minus this many posterior standard deviations (0: by the estimate). */
  caution: number;
  /** Graphs offered to the final selection: the best by estimate minus `finalCaution` posterior sds. */
  finalists: number;
  /** Posterior sds subtracted when choosing finalists, so a graph seen on a lucky handful of items does not displace a well-measured one. */
  finalCaution: number;
  /** Graded search items a graph needs to be a finalist (or re-measured in the polish), while enough graphs have them. */
  finalItems: number;
  /**
   * Insight 1 as a standing finalist: a collaboration is offered to the final selection only when
   * its paired advantage over the strongest single model, on the items both were measured on,
   * exceeds this many standard errors; otherwise the single model keeps the place (0: off).
   */
  singleMargin: number;
  /** Structural neighbours of the incumbent proposed each iteration, in place of samples. */
  moves: number;
  /** Structural neighbours drawn each iteration for the surrogate to rank (the best `moves` are proposed). */
  movePool: number;
  /** Surrogate standard deviations added to its prediction when ranking neighbours (an upper confidence bound). */
  optimism: number;
}

export const AGENT_REINFORCE_DEFAULTS: AgentReinforceOptions = {
  insights: true,
  init: "probe",
  probeItems: 12,
  pretest: 8,
  pretestRounds: [8, 12, 16],
  elites: 2,
  sharpness: 2.5,
  shrink: 8,
  maxAttempts: 3,
  estimator: "eb",
  keepSingle: true,
  priorItems: 8,
  polish: 0.3,
  polishElites: 2,
  caution: 0,
  finalists: 4,
  finalCaution: 1,
  finalItems: 12,
  singleMargin: 0.25,
  moves: 1,
  movePool: 24,
  optimism: 1,
};

interface Known {
  hash: string;
  genome: Genome;
  graph: ProposalDraft["graph"];
  origin: string;
  total: Score;
}

type Stage = "probe" | "init" | "pretest" | "search";

export class AgentReinforce extends BaseOptimizer {
  readonly name: string = "agent-reinforce";
  readonly defaults = { samples: 4, batch: 6 };
  protected readonly opts: AgentReinforceOptions;
  protected readonly agent: Agent;
  protected dist: ProbGraph;
  private stage: Stage;
  private probes: ModelProbe[] = [];
  private candidates: CandidateMultiset[] = [];
  private readonly known = new Map<string, Known>();
  private readonly book = new PairedBook();
  private readonly history: IterationSummary[] = [];
  /** Pretest contenders still in the race, and the round about to run. */
  private contenders: Known[] = [];
  private round = 0;
  private incumbentHash: string | undefined;
  private searchBudget: number | undefined;
  /** Predicted accuracy of pretest contenders, by hash. */
  private readonly prior = new Map<string, number>();

  /** With the standing single-model finalist, the finalists are the whole selection: see {@link finalists}. */
  get finalistsComplete(): boolean {
    // Not with a latency limit or a cost objective: the single model and its rivals are judged on
    // accuracy, so a graph over the limit or poor value for money could be all that is offered, and
    // the harness's own best graphs keep their places.
    const o = this.ctx.objective;
    return this.standingSingle() && (o.kind === "accuracy" || (o.kind === "latency" && o.limitMs === undefined));
  }

  private standingSingle(): boolean {
    return this.opts.keepSingle && this.opts.singleMargin > 0 && this.opts.finalists > 0;
  }

  constructor(ctx: OptimizerContext) {
    super(ctx);
    const o = ctx.options;
    const d = AGENT_REINFORCE_DEFAULTS;
    this.opts = {
      insights: o.insights === undefined ? d.insights : Boolean(o.insights),
      init: o.init === "random" ? "random" : "probe",
      probeItems: Number(o.probeItems ?? d.probeItems),
      pretest: Number(o.pretest ?? d.pretest),
      pretestRounds: Array.isArray(o.pretestRounds) ? o.pretestRounds.map(Number) : d.pretestRounds,
      elites: Number(o.elites ?? d.elites),
      sharpness: Number(o.sharpness ?? d.sharpness),
      shrink: Number(o.shrink ?? d.shrink),
      maxAttempts: Number(o.maxAttempts ?? d.maxAttempts),
      estimator: o.estimator === "shrink" ? "shrink" : d.estimator,
      keepSingle: o.keepSingle === undefined ? d.keepSingle : Boolean(o.keepSingle),
      priorItems: Number(o.priorItems ?? d.priorItems),
      polish: Number(o.polish ?? d.polish),
      polishElites: Number(o.polishElites ?? d.polishElites),
      caution: Number(o.caution ?? d.caution),
      finalists: Number(o.finalists ?? d.finalists),
      finalCaution: Number(o.finalCaution ?? d.finalCaution),
      finalItems: Number(o.finalItems ?? d.finalItems),
      singleMargin: Number(o.singleMargin ?? d.singleMargin),
      moves: Number(o.moves ?? d.moves),
      movePool: Number(o.movePool ?? d.movePool),
      optimism: Number(o.optimism ?? d.optimism),
    };
    const rules = new RuleAgent({ sharpness: this.opts.sharpness });
    this.agent = ctx.llm ? new LlmAgent({ channel: ctx.llm, fallback: rules, emit: ctx.emit, maxAttempts: this.opts.maxAttempts }) : rules;
    this.dist = ProbGraph.neutral(ctx.space, 0.3);
    this.stage = this.opts.init === "random" ? "search" : "probe";
  }

  async ask(req: AskRequest): Promise<AskBatch> {
    const space = this.ctx.space;
    if (this.stage === "probe") {
      const drafts = singleModelDrafts(space);
      if (drafts.length > 1) return { proposals: drafts, items: this.opts.probeItems, phase: "probe" };
      this.stage = "init";
    }
    if (this.stage === "init") {
      this.candidates = enumerateMultisets(space, this.probes);
      const decision = await this.agent.initialise(
        { task: this.ctx.task, space, objective: this.ctx.objective, probes: this.probes, candidates: this.candidates, pick: this.opts.pretest, insights: this.opts.insights },
        req.iteration,
      );
      this.ctx.emit({ type: "agent.feedback", iteration: req.iteration, agent: this.agent.name, text: decision.rationale });
      const chosen = decision.multisets.map((id) => this.candidates.find((c) => c.id === id)).filter((c): c is CandidateMultiset => c !== undefined);
      this.contenders = chosen.map((c) => ({ hash: graphHash(c.graph), genome: c.genome, graph: c.graph, origin: "pretest", total: emptyScore() }));
      // The probes' prediction of each contender is a prior the pretest's few items update.
      const predicted = predictCandidates({ probes: this.probes, candidates: this.candidates, insights: this.opts.insights });
      for (const c of this.candidates) this.prior.set(graphHash(c.graph), predicted.get(c.id)!);
      // The best single model from the probes races too, so the pretest can only improve on it.
      const inc = this.incumbent();
      if (inc && !this.contenders.some((c) => c.hash === inc.hash)) this.contenders.push(inc);
      if (this.opts.insights) {
        // Insight 1 without trusting the probes: a dozen probe items often rank a family's models
        // against their sizes, and a pretest built only from such a ranking never meets the
        // largest model, so it races alone and replicated as far as the budget allows.
        for (const c of largestModelCandidates(this.candidates, space)) {
          const h = graphHash(c.graph);
          if (!this.contenders.some((x) => x.hash === h)) this.contenders.push({ hash: h, genome: c.genome, graph: c.graph, origin: "pretest", total: emptyScore() });
        }
      }
      this.stage = "pretest";
      this.round = 0;
    }
    if (this.stage === "pretest") {
      const items = this.opts.pretestRounds[this.round];
      if (this.contenders.length > 1 && items !== undefined) {
        return { proposals: this.contenders.map((c) => ({ graph: c.graph, genome: c.genome, origin: "pretest" })), items, phase: "pretest" };
      }
      this.stage = "search";
      this.recentre();
    }
    // The first search iteration fixes the scale of the search budget, so the polish phase can be sized.
    this.searchBudget ??= req.remainingEvals;
    if (this.opts.polish > 0 && req.remainingEvals <= this.opts.polish * this.searchBudget) {
      // Polish: no new graphs; the best few are measured on fresh items, so the final candidates are
      // ranked on evidence rather than on the lucky batch that made them look good.
      const top = this.contendersForFinal(this.opts.polishElites);
      // The strongest single model is measured alongside, so the final choice compares the two on
      // many shared fresh items rather than on the items that made the incumbent look good.
      const single = this.opts.keepSingle ? this.bestSingle() : undefined;
      if (single && !top.includes(single)) top.push(single);
      if (top.length > 0) return { proposals: top.map((e) => ({ graph: e.graph, genome: e.genome, origin: "elite" })) };
    }
    const rng = this.rng(req.iteration, "sample");
    const elites = this.elites();
    const proposals: ProposalDraft[] = elites.map((e) => ({ graph: e.graph, genome: e.genome, origin: "elite" }));
    const seen = new Set(elites.map((e) => e.hash));
    const k = Math.max(1, req.samples);
    // Insight 2: whether refinement and fusion pay is tested directly, with structural neighbours of
    // the incumbent (a layer deeper, a fusion layer over it, two copies of it fused, a wider top
    // layer, one model or role changed), which samples around it almost never reach (a layer changes
    // several factors at once); a surrogate fitted to every graph measured so far picks which.
    const inc = this.incumbent();
    if (inc && this.opts.moves > 0) {
      for (const m of await this.rankedMoves(inc, req.iteration, Math.min(this.opts.moves, k))) {
        const h = graphHash(m.graph);
        if (seen.has(h)) continue;
        seen.add(h);
        proposals.push({ graph: m.graph, genome: genomeOf(this.ctx.space, m.graph), origin: `move:${m.kind}` });
      }
    }
    for (let tries = 0; proposals.length < elites.length + k && tries < 20 * k; tries++) {
      // Over-budget samples are repaired (smallest models dropped first): adding a large model then
      // replaces small ones, a move the search needs.
      const r = sampleFeasible(this.dist, rng);
      const h = graphHash(r.graph);
      if (seen.has(h)) continue;
      seen.add(h);
      proposals.push(draftOf(r, "sample"));
    }
    return { proposals };
  }

  protected async observe(results: EvalOutcome[]): Promise<void> {
    for (const r of usable(results)) {
      const g = r.proposal.genome ?? genomeOf(this.ctx.space, r.proposal.graph);
      if (!g) continue;
      this.known.set(r.proposal.hash, { hash: r.proposal.hash, genome: g, graph: r.proposal.graph, origin: r.proposal.origin, total: r.total });
      this.book.add(r.proposal.hash, r.items);
    }
    const iteration = results[0]?.proposal.iteration ?? 0;
    if (this.stage === "probe") {
      this.probes = usable(results).map((r) => {
        const model = probedModel(r.proposal.graph);
        return {
          model,
          family: this.ctx.space.family(model),
          params: this.ctx.space.params(model),
          units: this.ctx.space.plan(r.proposal.graph).units,
          items: r.batch.items - r.batch.errored,
          correct: r.batch.correct,
          accuracy: r.batch.accuracy,
          meanLatencyMs: r.batch.meanLatencyMs,
        };
      });
      this.stage = "init";
      return;
    }
    if (this.stage === "pretest") {
      // Successive halving: every contender saw the same items, so the paired estimates compare them fairly.
      const v = this.values();
      // Blend each contender's estimate with its predicted accuracy, worth `priorItems` items.
      const blended = (k: Known) => {
        const est = v.get(k.hash) ?? -Infinity;
        const p = this.prior.get(k.hash);
        const n = this.book.count(k.hash);
        if (p === undefined || this.opts.priorItems <= 0 || !Number.isFinite(est)) return est;
        return (n * est + this.opts.priorItems * p) / (n + this.opts.priorItems);
      };
      const alive = this.contenders.filter((c) => this.known.has(c.hash)).map((c) => this.known.get(c.hash)!);
      alive.sort((a, b) => blended(b) - blended(a) || (a.hash < b.hash ? -1 : 1));
      this.contenders = alive.slice(0, Math.max(2, Math.ceil(alive.length / 2)));
      this.round++;
      if (this.round >= this.opts.pretestRounds.length || alive.length <= 2) {
        this.stage = "search";
        this.recentre();
      }
      return;
    }
    // Search: feedback and update from the scored samples, all on this batch.
    const reports = usable(results).map((r) => this.report(r));
    const inc = this.incumbent();
    const incReport = inc ? reports.find((r) => r.hash === inc.hash) : undefined;
    const samples = reports.filter((r) => r !== incReport);
    const finite = reports.map((r) => r.batch.utility).filter(Number.isFinite);
    this.history.push({ iteration, best: finite.length ? Math.max(...finite) : NaN, mean: finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN, bestHash: inc?.hash ?? "" });
    if (this.incumbentHash === undefined && inc) this.recentre();
    const update = await this.agent.update({
      iteration,
      task: this.ctx.task,
      space: this.ctx.space,
      objective: this.ctx.objective,
      dist: this.dist,
      samples,
      incumbent: incReport,
      history: this.history.slice(-5),
      insights: this.opts.insights,
    });
    const issues = validateUpdate(update, this.dist);
    if (issues.length > 0) {
      // Agents validate their own output; reaching here means a bug, so say so in the log and skip.
      this.ctx.emit({ type: "agent.rejected", iteration, purpose: "update", attempt: 0, issues, excerpt: update.feedback.slice(0, 200) });
    } else {
      applyUpdate(this.dist, update);
    }
    this.ctx.emit({ type: "agent.feedback", iteration, agent: this.agent.name, text: update.feedback });
  }

  private report(r: EvalOutcome): SampleReport {
    const g = r.proposal.genome ?? this.known.get(r.proposal.hash)?.genome ?? this.ctx.space.emptyGenome();
    const topo = topology(r.proposal.graph);
    return {
      id: r.proposal.id,
      hash: r.proposal.hash,
      origin: r.proposal.origin,
      genome: g,
      graph: r.proposal.graph,
      batch: r.batch,
      total: r.total,
      width: topo.width,
      depth: topo.depth,
      nodes: r.proposal.graph.nodes.length,
      units: this.ctx.space.plan(r.proposal.graph).units,
    };
  }

  /** Each graph's value: its empirical-Bayes accuracy (paired to the most-evaluated graph), through the objective. */
  private values(caution = this.opts.caution): Map<string, number> {
    const est = this.opts.estimator === "eb" ? empiricalBayesWithSd(this.book) : undefined;
    const anchor = this.book.anchor();
    const prior = this.book.pooledAccuracy();
    const out = new Map<string, number>();
    for (const k of this.known.values()) {
      const e = est?.get(k.hash);
      const acc = est ? (e ? e.mean - caution * e.sd : NaN) : this.book.estimate(k.hash, anchor, prior, this.opts.shrink);
      out.set(k.hash, utilityOf(this.ctx.objective, { accuracy: acc, meanLatencyMs: k.total.meanLatencyMs, meanDollars: k.total.meanDollars }));
    }
    return out;
  }

  private ranked(caution = this.opts.caution): Known[] {
    const v = this.values(caution);
    return [...this.known.values()].filter((k) => Number.isFinite(v.get(k.hash))).sort((a, b) => v.get(b.hash)! - v.get(a.hash)! || b.total.items - a.total.items || (a.hash < b.hash ? -1 : 1));
  }

  protected incumbent(): Known | undefined {
    return this.ranked()[0];
  }

  /**
   * The best graphs so far, plus the best single model when it is not among them: the natural
   * baseline every collaboration has to beat keeps being measured on every batch, so an early
   * unlucky batch cannot bury it.
   */
  private elites(count = this.opts.elites): Known[] {
    const ranked = this.ranked();
    const top = ranked.slice(0, Math.max(0, count));
    if (this.opts.keepSingle) {
      // Singles are compared on their own items (they share the probe items), not through the
      // anchor, which they may share nothing with.
      const single = this.bestSingle(ranked);
      if (single && !top.includes(single)) top.push(single);
    }
    return top;
  }

  /** The best single-model graph by its own items (singles share the probe items, not always the anchor's). */
  private bestSingle(ranked = this.ranked()): Known | undefined {
    const prior = this.book.pooledAccuracy();
    const space = this.ctx.space;
    const singles = ranked.filter((k) => k.graph.nodes.length === 1);
    const model = (k: Known) => k.graph.nodes[0]!.model;
    // Insight 1 as a size prior: within a family a larger model is at least as accurate, so
    // measured accuracies that say otherwise are pooled, and a tie goes to the larger model. A
    // noisy dozen items then cannot hide the largest model behind a smaller one.
    const pooled = this.opts.insights ? sizeMonotone(singles.map((k) => ({ model: model(k), family: space.family(model(k)), params: space.params(model(k)), ...this.book.tally(k.hash) }))) : undefined;
    const value = (k: Known) => shrunkAccuracy({ ...(pooled?.get(model(k)) ?? this.book.tally(k.hash)), errored: 0 }, prior, 2);
    const larger = (a: Known, b: Known) => pooled !== undefined && space.params(model(a)) > space.params(model(b));
    return singles.reduce<Known | undefined>((a, b) => {
      if (!a) return b;
      const d = value(b) - value(a);
      return d > 1e-12 || (Math.abs(d) <= 1e-12 && larger(b, a)) ? b : a;
    }, undefined);
  }


  /**
   * Whether a graph clearly beats `base`: on the items both were measured on, its paired advantage
   * exceeds `margin` standard errors; with too few shared items, its estimate less one posterior
   * standard deviation still exceeds `base`'s estimate (one lucky handful of items is not enough).
   */
  private beatsClearly(k: Known, base: Known, margin: number): boolean {
    const { sum, sq, n } = this.book.difference(k.hash, base.hash);
    if (n < this.opts.finalItems) {
      const cautious = this.values(1).get(k.hash);
      const plain = this.values(0).get(base.hash);
      return cautious !== undefined && plain !== undefined && cautious > plain;
    }
    const mean = sum / n;
    const se = Math.sqrt(Math.max(sq / n - mean * mean, 1 / n) / n);
    return mean > margin * se;
  }

  /**
   * The `count` structural neighbours of the incumbent the surrogate ranks highest, drawn from a
   * pool of `movePool`; without enough measured graphs to fit it, the first drawn.
   */
  private async rankedMoves(inc: Known, iteration: number, count: number): Promise<Restructured[]> {
    const pool = structuralNeighbours(this.ctx.space, inc.graph, this.rng(iteration, "moves"), this.opts.movePool);
    if (pool.length <= count) return pool;
    const v = this.values();
    const data = [...this.known.values()].map((k) => ({ graph: k.graph, value: v.get(k.hash) ?? NaN, weight: this.book.count(k.hash) }));
    const model = await fitSurrogate(this.ctx.space, data);
    if (!model) return pool.slice(0, count);
    // Optimism in the face of uncertainty: a neighbour the evidence says little about (a new depth,
    // a new role mix) is worth measuring until graphs like it have been measured.
    const score = new Map(pool.map((m) => [m, model.predict(m.graph) + this.opts.optimism * model.sd(m.graph)]));
    return [...pool].sort((a, b) => score.get(b)! - score.get(a)!).slice(0, count);
  }

  /** Centre the distribution on the incumbent with the configured sharpness. */
  private recentre(): void {
    const inc = this.incumbent();
    if (!inc) return;
    this.incumbentHash = inc.hash;
    this.dist = centredOn(this.ctx.space, inc.genome, this.opts.sharpness);
  }

  snapshot(): unknown {
    return { stage: this.stage, incumbent: this.incumbent()?.hash, params: this.dist.params };
  }

  /**
   * The graphs offered to the final selection: the best by estimate minus `finalCaution` posterior
   * standard deviations, so the validation items go to graphs the search measured well rather than
   * to newcomers whose one lucky batch made them look best.
   */
  finalists(): ProposalDraft[] {
    const draft = (k: Known): ProposalDraft => ({ graph: k.graph, genome: k.genome, origin: k.origin });
    const single = this.standingSingle() ? this.bestSingle() : undefined;
    if (!single) return this.contendersForFinal(this.opts.finalists).map(draft);
    // Insight 1: the strongest single model is the default answer; a collaboration that does not
    // clearly beat it on shared items could win the validation round only by its luck there.
    const rivals = (k: Known) => k.graph.nodes.length > 1 && this.beatsClearly(k, single, this.opts.singleMargin);
    // With the list complete, no graph fills the places: any would be one the rule held back.
    if (this.finalistsComplete) return [single, ...this.contendersForFinal(this.opts.finalists - 1, rivals)].map(draft);
    const keep = (k: Known) => k.graph.nodes.length === 1 || rivals(k);
    const list = this.contendersForFinal(this.opts.finalists, keep);
    // Places left over go to well-measured graphs the rule held back, never to the selection's own
    // pick of whatever topped one lucky batch.
    for (const k of this.contendersForFinal(this.opts.finalists, (k) => !keep(k))) if (list.length < this.opts.finalists && this.book.count(k.hash) >= this.opts.finalItems) list.push(k);
    if (!list.includes(single)) list.splice(Math.max(0, Math.min(list.length, this.opts.finalists - 1)), list.length >= this.opts.finalists ? 1 : 0, single);
    return list.map(draft);
  }

  /**
   * The best `count` graphs by cautious estimate among those measured on at least `finalItems`
   * items, topped up from the rest when too few are: a graph that looked good on one batch must
   * earn its place with more items first.
   */
  private contendersForFinal(count: number, keep?: (k: Known) => boolean): Known[] {
    if (count <= 0) return [];
    const ranked = this.ranked(this.opts.finalCaution).filter((k) => !keep || keep(k));
    const solid = ranked.filter((k) => this.book.count(k.hash) >= this.opts.finalItems);
    const rest = ranked.filter((k) => this.book.count(k.hash) < this.opts.finalItems);
    return [...solid, ...rest].slice(0, count);
  }
}

/**
 * The candidates a scaling-law prior alone would pick, whatever the probes say: the largest model
 * that fits alone, and the most copies of it that fit, led by one of them.
 */
function largestModelCandidates(candidates: readonly CandidateMultiset[], space: SearchSpace): CandidateMultiset[] {
  const sizeOf = (c: CandidateMultiset) => Math.max(...Object.keys(c.counts).map((m) => space.params(m)));
  const only = (c: CandidateMultiset) => Object.keys(c.counts).length === 1;
  const singles = candidates.filter((c) => c.kind === "single");
  if (singles.length === 0) return [];
  const top = Math.max(...singles.map(sizeOf));
  const single = singles.find((c) => sizeOf(c) === top)!;
  const model = Object.keys(single.counts)[0]!;
  const replicated = candidates.filter((c) => c.kind === "lead" && only(c) && c.counts[model] !== undefined).sort((a, b) => b.nodes - a.nodes)[0];
  return replicated ? [single, replicated] : [single];
}

/** The model a probe graph measures: the one node, or the worker feeding a fixed output model. */
function probedModel(graph: ProposalDraft["graph"]): string {
  return graph.nodes.length === 1 ? graph.nodes[0]!.model : graph.nodes.find((n) => n.id !== graph.output)!.model;
}

function emptyScore(): Score {
  return { items: 0, correct: 0, errored: 0, accuracy: NaN, meanFlops: 0, meanLatencyMs: 0, meanDollars: undefined, utility: NaN };
}

function genomeOf(space: SearchSpace, graph: ProposalDraft["graph"]): Genome | undefined {
  const m = space.fromGraph(graph);
  return "genome" in m ? m.genome : undefined;
}

/**
 * A distribution centred on a genome: every decided factor favours the genome's choice by `margin`
 * logits over each alternative; edges between slots the genome leaves off lean to absent.
 */
export function centredOn(space: SearchSpace, g: Genome, margin: number): ProbGraph {
  const d = ProbGraph.init(space, { edgeProb: 0.5 });
  const p = d.params;
  const m = Math.min(margin, LOGIT_LIMIT);
  for (let i = 0; i < space.slots; i++) {
    const k = g.models[i] === null ? 0 : space.models.indexOf(g.models[i]!) + 1;
    // Off slots stay off more firmly: a node added at random usually breaks the budget.
    p.slotModel[i] = p.slotModel[i]!.map((_, j) => (j === k ? (k === 0 ? m + 1 : m) : 0));
    if (space.fuser) p.slotRole[i] = g.roles[i] === "fuser" ? [0, m / 2] : [m / 2, 0];
    p.toOut[i] = g.models[i] === null ? 0 : g.toOut[i] ? m : -m;
  }
  for (let e = 0; e < space.edgeCount; e++) p.edge[e] = g.edges[e] ? m : -m;
  if (!space.outputFixed) p.outModel = space.outModels.map((x) => (x === g.outModel ? m : 0));
  if (space.fuser) p.outRole = g.outRole === "fuser" ? [0, m / 2] : [m / 2, 0];
  else d.forbidFusers();
  return d;
}

/** Each model that fits alone, answering alone (or, with a fixed output model, feeding it). */
export function singleModelDrafts(space: SearchSpace): ProposalDraft[] {
  const drafts: ProposalDraft[] = [];
  const models = [...new Set([...space.outModels, ...space.models])];
  for (const m of models) {
    const g = space.emptyGenome(space.outputFixed ? space.outModels[0]! : m);
    if (space.outputFixed || !space.outModels.includes(m)) {
      if (space.slots === 0 || !space.models.includes(m)) continue;
      g.models[0] = m;
      g.toOut[0] = true;
    }
    const graph = space.toGraph(g);
    if (!space.check(graph).ok) continue;
    drafts.push({ graph, genome: space.normalise(g), origin: "probe" });
  }
  if (space.outputFixed) drafts.push({ graph: space.toGraph(space.emptyGenome()), genome: space.emptyGenome(), origin: "probe" });
  return drafts;
}

/**
 * Candidate model multisets (output node included) that fit the budget as workers all feeding the
 * output: the output is either the strongest member, reading its inputs as an assistant the way the
 * paper's final-decision node synthesises its predecessors' answers (`lead`), or a weaker model
 * fusing stronger workers' answers, since picking among answers is easier than finding one (`fuse`).
 * A multiset of one is a model alone (`single`). Workers use at most two distinct models, as Insight
 * 1 favours replicating a model over mixing many.
 */
export function enumerateMultisets(space: SearchSpace, probes: readonly ModelProbe[]): CandidateMultiset[] {
  const acc = new Map(probes.map((p) => [p.model, p.accuracy]));
  const strength = (m: string) => (acc.get(m) ?? 0) * 1e3 + Math.log10(space.params(m));
  const models = [...space.models].sort((a, b) => strength(b) - strength(a));
  const out: CandidateMultiset[] = [];
  const seen = new Set<string>();
  const consider = (workers: string[], outModel: string): boolean => {
    const g = space.emptyGenome(outModel);
    workers.forEach((m, i) => {
      g.models[i] = m;
      g.toOut[i] = true;
    });
    const strongest = workers.reduce((a, b) => Math.max(a, strength(b)), -Infinity);
    const kind = workers.length === 0 ? "single" : strength(outModel) >= strongest || space.outputFixed ? "lead" : "fuse";
    if (kind === "fuse") {
      if (workers.length < 2 || !space.fuser) return true;
      g.outRole = "fuser";
    }
    const n = space.normalise(g);
    const graph = space.toGraph(n);
    if (!space.check(graph).ok) return false;
    const counts: Record<string, number> = {};
    for (const node of graph.nodes) counts[node.model] = (counts[node.model] ?? 0) + 1;
    const key = JSON.stringify([Object.entries(counts).sort(), outModel, kind]);
    if (seen.has(key)) return true;
    seen.add(key);
    out.push({ id: `m${out.length + 1}`, kind, counts, nodes: graph.nodes.length, units: space.plan(graph).units, graph, genome: n });
    return true;
  };
  const outs = space.outputFixed ? [space.outModels[0]!] : [...space.outModels].sort((a, b) => strength(b) - strength(a));
  for (const o of outs) {
    consider([], o);
    // Workers as counts of at most two models, strongest first; depth-first, pruned on the budget.
    const rec = (start: number, workers: string[], kinds: number) => {
      if (workers.length >= space.slots) return;
      for (let k = start; k < models.length; k++) {
        const m = models[k]!;
        const newKind = workers.length === 0 || workers[workers.length - 1] !== m;
        if (newKind && kinds >= 2) continue;
        const next = [...workers, m];
        if (!consider(next, o)) continue;
        rec(k, next, kinds + (newKind ? 1 : 0));
      }
    };
    rec(0, [], 0);
  }
  return out;
}
