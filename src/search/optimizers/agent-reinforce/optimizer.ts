/**
 * Agent-REINFORCE: REINFORCE's sample / gradient / update as sample / feedback / update, with an
 * agent writing the feedback and the update.
 *
 * 1. Probe (Insight 1): each model that fits the budget answers alone on the same few search items.
 * 2. Initialise: the agent chooses a few model multisets from the feasible ones, given the probes
 *    (workers read by the strongest member, or fused by a weaker model or by one more copy of theirs).
 * 3. Pretest: the chosen multisets and the best single model race on shared items by successive
 *    halving; the probabilistic graph is centred on the winner. With insights, the largest model
 *    that fits races too, alone and replicated (read and fused by one more copy), since a dozen
 *    probe items can rank it last.
 * 4. Iterate: sample K graphs near the centre and evaluate them on the same batch as the elites (the
 *    best graphs so far); the agent turns the scores into feedback and a bounded update of the
 *    logits, validated before it is applied. Graphs are ranked by empirical-Bayes accuracy with item
 *    difficulty cancelled out, so a newcomer's lucky batch does not displace a graph measured on many
 *    items. One sample each iteration is a structural neighbour of the incumbent (a layer deeper, a
 *    fusion layer over it, ...: see ../../restructure.ts), chosen by a surrogate of graph accuracy.
 * 5. Select: the harness validates the best graphs by estimate, as for every method.
 *
 * Ablations: `insights: false` (no insights in initialisation or updates), `init: "random"` (no
 * probes, pretest or agent initialisation: a neutral distribution), and the space's `fuser: false`.
 */
import { topology } from "../../../graph/topology.js";
import { graphHash } from "../../../graph/canonical.js";
import { LlmAgent } from "./llm.js";
import { RuleAgent } from "./rules.js";
import { applyUpdate, validateUpdate } from "./update.js";
import { structuralNeighbours, type Restructured } from "../../restructure.js";
import { fitSurrogate } from "../../surrogate.js";
import type { Agent, CandidateMultiset, IterationSummary, ModelProbe, SampleReport } from "./types.js";
import { ProbGraph, LOGIT_LIMIT } from "../../distribution.js";
import { empiricalBayes, PairedBook } from "../../statistics.js";
import { utilityOf } from "../../objective.js";
import type { Genome, SearchSpace } from "../../space.js";
import type { AskBatch, AskRequest, EvalOutcome, OptimizerContext, ProposalDraft, Score } from "../../types.js";
import { BaseOptimizer, draftOf, sampleFeasible, usable } from "../common.js";

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
  /** LLM agent: attempts per call before falling back to the rule agent. */
  maxAttempts: number;
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
  maxAttempts: 3,
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
  /** Each known graph's value, kept until the next outcomes arrive (a fit over every outcome). */
  private valueCache: Map<string, number> | undefined;
  /** `agent`: the one that writes initialisations and updates (default: the LLM agent when `ctx.llm` is set, else the rule agent). */
  constructor(ctx: OptimizerContext, agent?: Agent) {
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
      maxAttempts: Number(o.maxAttempts ?? d.maxAttempts),
      moves: Number(o.moves ?? d.moves),
      movePool: Number(o.movePool ?? d.movePool),
      optimism: Number(o.optimism ?? d.optimism),
    };
    const rules = new RuleAgent({ sharpness: this.opts.sharpness });
    this.agent = agent ?? (ctx.llm ? new LlmAgent({ channel: ctx.llm, fallback: rules, emit: ctx.emit, maxAttempts: this.opts.maxAttempts }) : rules);
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
    const rng = this.rng(req.iteration, "sample");
    const ranked = this.ranked();
    // The elites: the best graphs so far, re-measured with every batch so their estimates keep firming up.
    const elites = ranked.slice(0, Math.max(0, this.opts.elites));
    const proposals: ProposalDraft[] = elites.map((e) => ({ graph: e.graph, genome: e.genome, origin: "elite" }));
    const seen = new Set(elites.map((e) => e.hash));
    const k = Math.max(1, req.samples);
    // Insight 2: whether refinement and fusion pay is tested directly, with structural neighbours of
    // the incumbent (a layer deeper, a fusion layer over it, two copies of it fused, a wider top
    // layer, one model or role changed), which samples around it almost never reach (a layer changes
    // several factors at once); a surrogate fitted to every graph measured so far picks which.
    const inc = ranked[0];
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
    this.valueCache = undefined;
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
      const alive = this.contenders.filter((c) => this.known.has(c.hash)).map((c) => this.known.get(c.hash)!);
      alive.sort((a, b) => (v.get(b.hash) ?? -Infinity) - (v.get(a.hash) ?? -Infinity) || (a.hash < b.hash ? -1 : 1));
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

  /**
   * Each graph's value: its empirical-Bayes accuracy through the objective. Graphs share items with
   * the others measured in the same batches, so item difficulty cancels out, and a newcomer's lucky
   * batch does not displace a graph measured on many items.
   */
  private values(): Map<string, number> {
    if (this.valueCache) return this.valueCache;
    const est = empiricalBayes(this.book);
    const out = new Map<string, number>();
    for (const k of this.known.values()) {
      const accuracy = est.get(k.hash) ?? NaN;
      out.set(k.hash, utilityOf(this.ctx.objective, { accuracy, meanLatencyMs: k.total.meanLatencyMs, meanDollars: k.total.meanDollars }));
    }
    this.valueCache = out;
    return out;
  }

  private ranked(): Known[] {
    const v = this.values();
    return [...this.known.values()].filter((k) => Number.isFinite(v.get(k.hash))).sort((a, b) => v.get(b.hash)! - v.get(a.hash)! || b.total.items - a.total.items || (a.hash < b.hash ? -1 : 1));
  }

  protected incumbent(): Known | undefined {
    return this.ranked()[0];
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
}

/**
 * The candidates a scaling-law prior alone would pick, whatever the probes say: the largest model
 * that fits alone, and the most copies of it that fit, led by one of them and fused by one of them.
 */
function largestModelCandidates(candidates: readonly CandidateMultiset[], space: SearchSpace): CandidateMultiset[] {
  const sizeOf = (c: CandidateMultiset) => Math.max(...Object.keys(c.counts).map((m) => space.params(m)));
  const only = (c: CandidateMultiset) => Object.keys(c.counts).length === 1;
  const singles = candidates.filter((c) => c.kind === "single");
  if (singles.length === 0) return [];
  const top = Math.max(...singles.map(sizeOf));
  const single = singles.find((c) => sizeOf(c) === top)!;
  const model = Object.keys(single.counts)[0]!;
  const replicated = (kind: CandidateMultiset["kind"]) => candidates.filter((c) => c.kind === kind && only(c) && c.counts[model] !== undefined).sort((a, b) => b.nodes - a.nodes)[0];
  return [single, replicated("lead"), replicated("fuse")].filter((c): c is CandidateMultiset => c !== undefined);
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
 * paper's final-decision node synthesises its predecessors' answers (`lead`), or a fuser picking
 * among its workers' answers (`fuse`): a weaker model over stronger workers, since picking among
 * answers is easier than finding one, or one more copy of the workers' own model.
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
    const leads = workers.length === 0 || strength(outModel) >= strongest || space.outputFixed;
    // Copies of the output's own model are also fused by it: k samples of one model fused by one
    // more is the aggregation Insight 1 speaks of, and whether reading or fusing them pays is the
    // task's to say.
    const copies = workers.length > 0 && workers.every((m) => m === outModel);
    const kinds: CandidateMultiset["kind"][] = workers.length === 0 ? ["single"] : leads ? (copies ? ["lead", "fuse"] : ["lead"]) : ["fuse"];
    const readRole = g.outRole;
    let tried = false;
    let fits = false;
    for (const kind of kinds) {
      // A fuser needs at least two answers to pick from (and a space with the role).
      if (kind === "fuse" && (workers.length < 2 || !space.fuser)) continue;
      tried = true;
      g.outRole = kind === "fuse" ? "fuser" : readRole;
      const n = space.normalise(g);
      const graph = space.toGraph(n);
      if (!space.check(graph).ok) continue;
      fits = true;
      const counts: Record<string, number> = {};
      for (const node of graph.nodes) counts[node.model] = (counts[node.model] ?? 0) + 1;
      const key = JSON.stringify([Object.entries(counts).sort(), outModel, kind]);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ id: `m${out.length + 1}`, kind, counts, nodes: graph.nodes.length, units: space.plan(graph).units, graph, genome: n });
    }
    // Whether to grow the multiset: it fits, or it was no candidate yet (a fuser over one answer).
    return fits || !tried;
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
