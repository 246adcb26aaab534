/**
 * The rule agent: no LLM. It turns the same statistics an LLM agent is shown into the same kind of
 * output. At initialisation it ranks candidate multisets by the probes and Insight 1. Each
 * iteration it measures, on the shared batch, how each factor of the sampled graphs (a slot's model,
 * a role, an edge, width, depth) went with the score, standardised within the batch and smoothed
 * across iterations, and writes feedback and bounded logit changes: toward factors that helped,
 * away from those that hurt, and toward the incumbent (the best graph so far by all its items).
 */
import type { ProbGraph } from "../../distribution.js";
import { shrunkAccuracy } from "../../statistics.js";
import { slotId, OUTPUT_ID, type Genome, type SearchSpace } from "../../space.js";
import { MAX_CHANGES, MAX_DELTA, validateUpdate, type AgentChange, type AgentUpdate, type InitDecision } from "./update.js";
import { predictMultiset, predictMultisetPlain, sizeMonotone } from "./insights.js";
import type { Agent, InitInput, SampleReport, UpdateInput } from "./types.js";

export interface RuleAgentOptions {
  /** Logits per standard deviation of advantage. */
  stepSize?: number | undefined;
  /** Weight of earlier iterations' evidence (0: only this batch). */
  memory?: number | undefined;
  /** Fraction of the way the distribution moves toward the incumbent each iteration. */
  incumbentPull?: number | undefined;
  /** Logit margin of the incumbent's choices the pull aims for (higher: less exploration). */
  sharpness?: number | undefined;
}

interface Evidence {
  /** Smoothed advantage (in batch standard deviations). */
  adv: number;
  /** Smoothed weight (how much evidence backs it). */
  weight: number;
}

export class RuleAgent implements Agent {
  readonly name = "rules";
  private readonly evidence = new Map<string, Evidence>();
  private readonly step: number;
  private readonly memory: number;
  private readonly pull: number;
  private readonly sharpness: number;
  private lastIncumbent: string | undefined;

  constructor(options: RuleAgentOptions = {}) {
    this.step = options.stepSize ?? 0.6;
    this.memory = options.memory ?? 0.6;
    this.pull = options.incumbentPull ?? 0.5;
    this.sharpness = options.sharpness ?? 2.5;
  }

  async initialise(input: InitInput): Promise<InitDecision> {
    return chooseMultisets(input);
  }

  async update(input: UpdateInput): Promise<AgentUpdate> {
    const { space } = input;
    const scored = uniqueByHash([...input.samples, ...(input.incumbent ? [input.incumbent] : [])]).filter((s) => Number.isFinite(s.batch.utility));
    const lines: string[] = [];
    const changes = new Map<string, AgentChange>();
    const add = (c: AgentChange) => {
      const key = changeKey(c);
      const prev = changes.get(key);
      const delta = clampDelta((prev?.delta ?? 0) + c.delta);
      changes.set(key, { ...c, delta });
    };

    if (scored.length < 2) {
      lines.push(`Iteration ${input.iteration}: fewer than two graphs could be scored on this batch, so there is nothing to compare; the distribution is left as it was.`);
      return { feedback: lines.join("\n"), changes: [] };
    }
    const u = scored.map((s) => s.batch.utility);
    const mu = u.reduce((a, b) => a + b, 0) / u.length;
    const sd = Math.sqrt(u.reduce((a, b) => a + (b - mu) ** 2, 0) / u.length);
    const best = scored.reduce((a, b) => (b.batch.utility > a.batch.utility ? b : a));
    const worst = scored.reduce((a, b) => (b.batch.utility < a.batch.utility ? b : a));
    lines.push(
      `Iteration ${input.iteration}: ${scored.length} graphs on the same ${best.batch.items} items; mean ${pct(mu)}, best ${pct(best.batch.utility)} (${describe(best)}), worst ${pct(worst.batch.utility)} (${describe(worst)}).`,
    );
    if (input.incumbent && Number.isFinite(input.incumbent.batch.utility)) {
      lines.push(`The incumbent (${describe(input.incumbent)}, ${pct(input.incumbent.total.accuracy)} over ${input.incumbent.total.items} items) scored ${pct(input.incumbent.batch.utility)} here.`);
    }

    // Per-factor contrasts on this batch, in standard deviations of the batch's scores.
    const z = sd > 1e-9 ? u.map((x) => (x - mu) / sd) : u.map(() => 0);
    const contrasts = new Map<string, { on: number[]; off: number[] }>();
    const note = (key: string, on: boolean, zk: number) => {
      let c = contrasts.get(key);
      if (!c) contrasts.set(key, (c = { on: [], off: [] }));
      (on ? c.on : c.off).push(zk);
    };
    scored.forEach((s, k) => factorsOf(space, s.genome).forEach((on, key) => note(key, on, z[k]!)));
    for (const [key, c] of contrasts) {
      const prev = this.evidence.get(key) ?? { adv: 0, weight: 0 };
      if (c.on.length === 0 || c.off.length === 0) {
        this.evidence.set(key, { adv: prev.adv, weight: prev.weight * this.memory });
        continue;
      }
      const adv = avg(c.on) - avg(c.off);
      const w = Math.min(c.on.length, c.off.length) / scored.length;
      const weight = prev.weight * this.memory + w;
      this.evidence.set(key, { adv: (prev.adv * prev.weight * this.memory + adv * w) / weight, weight });
    }
    const ranked = [...this.evidence.entries()].filter(([, e]) => e.weight > 0.05).sort((a, b) => Math.abs(b[1].adv) - Math.abs(a[1].adv));
    const helped: string[] = [];
    const hurt: string[] = [];
    for (const [key, e] of ranked) {
      const delta = clampDelta(this.step * e.adv * Math.min(1, e.weight));
      if (Math.abs(delta) < 0.05) continue;
      const c = changeOf(space, key, delta);
      if (!c) continue;
      add(c);
      if (helped.length < 4 && e.adv > 0.3) helped.push(label(key));
      if (hurt.length < 4 && e.adv < -0.3) hurt.push(label(key));
    }
    if (helped.length > 0) lines.push(`Helped (scores above the batch mean when present): ${helped.join("; ")}.`);
    if (hurt.length > 0) lines.push(`Hurt: ${hurt.join("; ")}.`);

    if (input.insights) {
      const wz = correlation(scored.map((s) => s.width), z);
      const dz = correlation(scored.map((s) => s.depth), z);
      const inc = input.incumbent ?? best;
      if (Number.isFinite(wz) && Math.abs(wz) > 0.3) {
        lines.push(`Width ${wz < 0 ? "hurt" : "helped"} on this batch (correlation ${wz.toFixed(2)}): ${wz < 0 ? "past the optimum width (Insight 2), so fewer parallel branches" : "below the optimum width, so more parallel branches"}${inc.depth > 2 ? `; at depth ${inc.depth} the best width is lower (Insight 3)` : ""}.`);
        // Parallel branches are the slots feeding the output directly.
        for (let i = 0; i < space.slots; i++) {
          if (inc.genome.models[i] !== null) continue;
          add({ op: "edge", from: slotId(i), to: OUTPUT_ID, delta: clampDelta(0.3 * Math.sign(wz)) });
        }
      }
      if (Number.isFinite(dz) && Math.abs(dz) > 0.3) {
        lines.push(`Depth ${dz < 0 ? "hurt" : "helped"} (correlation ${dz.toFixed(2)}): ${dz < 0 ? "later nodes overwrite correct answers, so shorter chains" : "refinement pays, so longer chains"}${inc.width > 2 ? `; at width ${inc.width} keep depth modest (Insight 3)` : ""}.`);
        for (let k = 0; k < space.edgeCount; k++) {
          const [i, j] = space.edgePair(k);
          if (inc.genome.models[i] === null || inc.genome.models[j] === null || inc.genome.edges[k]) continue;
          add({ op: "edge", from: slotId(i), to: slotId(j), delta: clampDelta(0.3 * Math.sign(dz)) });
        }
      }
    }

    // Track the incumbent: the distribution stays centred on the best graph known so far.
    if (input.incumbent) {
      const fresh = input.incumbent.hash !== this.lastIncumbent;
      this.lastIncumbent = input.incumbent.hash;
      for (const c of pullToward(space, input.dist, input.incumbent.genome, fresh ? 1 : this.pull, this.sharpness)) add(c);
      lines.push(fresh ? `New incumbent: re-centred the distribution on it.` : `Kept the distribution centred on the incumbent; samples explore around it.`);
    }

    let list = [...changes.values()].filter((c) => Math.abs(c.delta) >= 0.05);
    list.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
    list = list.slice(0, MAX_CHANGES);
    let update: AgentUpdate = { feedback: lines.join("\n").slice(0, 4000), changes: list.map((c) => ({ ...c, delta: round3(c.delta) })) };
    // Never hand the search an update it would reject: drop model changes until the mode fits.
    for (let guard = 0; guard < MAX_CHANGES && validateUpdate(update, input.dist).length > 0; guard++) {
      const k = update.changes.findIndex((c) => c.op === "model" && c.delta > 0 && c.model !== "off");
      if (k < 0) {
        update = { feedback: update.feedback, changes: update.changes.filter((c) => c.delta < 0) };
        break;
      }
      update = { feedback: update.feedback, changes: update.changes.filter((_, i) => i !== k) };
    }
    return update;
  }
}

/** The factors of a genome: key -> present. Only factors that were decided (running slots). */
export function factorsOf(space: SearchSpace, g: Genome): Map<string, boolean> {
  const f = new Map<string, boolean>();
  for (let i = 0; i < space.slots; i++) {
    const m = g.models[i] ?? null;
    for (const choice of ["off", ...space.models]) f.set(`model|${i}|${choice}`, (m ?? "off") === choice);
    if (m === null) continue;
    if (space.fuser) f.set(`role|${i}|fuser`, g.roles[i] === "fuser");
    f.set(`edge|${i}|out`, g.toOut[i]!);
    for (let j = i + 1; j < space.slots; j++) if (g.models[j] !== null) f.set(`edge|${i}|${j}`, g.edges[space.edgeIndex(i, j)]!);
  }
  if (!space.outputFixed && space.outModels.length > 1) for (const m of space.outModels) f.set(`model|out|${m}`, g.outModel === m);
  if (space.fuser) f.set(`role|out|fuser`, g.outRole === "fuser");
  return f;
}

function changeOf(space: SearchSpace, key: string, delta: number): AgentChange | undefined {
  const [kind, a, b] = key.split("|") as [string, string, string];
  const node = a === "out" ? OUTPUT_ID : slotId(Number(a));
  if (kind === "model") return { op: "model", node, model: b, delta };
  if (kind === "role") return { op: "role", node, role: "fuser", delta };
  if (kind === "edge") return { op: "edge", from: node, to: b === "out" ? OUTPUT_ID : slotId(Number(b)), delta };
  void space;
  return undefined;
}

function label(key: string): string {
  const [kind, a, b] = key.split("|") as [string, string, string];
  const node = a === "out" ? "the output" : `slot w${a}`;
  if (kind === "model") return b === "off" ? `${node} switched off` : `${node} as ${b}`;
  if (kind === "role") return `${node} as fuser`;
  return `edge ${a === "out" ? "out" : "w" + a} -> ${b === "out" ? "out" : "w" + b}`;
}

/**
 * Changes that move the distribution toward a genome's choices: each factor's margin (the chosen
 * option's logit over the best alternative, or an edge's logit) is moved a fraction `rate` of the
 * way to `target`, so repeated pulls settle at a fixed sharpness instead of saturating, and the
 * samples keep exploring around the genome.
 */
export function pullToward(space: SearchSpace, dist: ProbGraph, g: Genome, rate: number, target: number): AgentChange[] {
  const p = dist.params;
  const out: AgentChange[] = [];
  const cat = (row: readonly number[], k: number) => row[k]! - Math.max(...row.filter((_, j) => j !== k));
  const toward = (current: number, goal: number) => clampDelta(rate * (goal - current));
  for (let i = 0; i < space.slots; i++) {
    const m = g.models[i] ?? null;
    const k = m === null ? 0 : space.models.indexOf(m) + 1;
    out.push({ op: "model", node: slotId(i), model: m ?? "off", delta: toward(cat(p.slotModel[i]!, k), target) });
    if (m === null) continue;
    if (space.fuser) {
      const r = g.roles[i] === "fuser" ? 1 : 0;
      out.push({ op: "role", node: slotId(i), role: g.roles[i]!, delta: toward(cat(p.slotRole[i]!, r), target / 2) });
    }
    out.push({ op: "edge", from: slotId(i), to: OUTPUT_ID, delta: toward(p.toOut[i]!, g.toOut[i] ? target : -target) });
    for (let j = i + 1; j < space.slots; j++) {
      if (g.models[j] === null) continue;
      const e = space.edgeIndex(i, j);
      out.push({ op: "edge", from: slotId(i), to: slotId(j), delta: toward(p.edge[e]!, g.edges[e] ? target : -target) });
    }
  }
  if (!space.outputFixed && space.outModels.length > 1) {
    out.push({ op: "model", node: OUTPUT_ID, model: g.outModel, delta: toward(cat(p.outModel, space.outModels.indexOf(g.outModel)), target) });
  }
  if (space.fuser) out.push({ op: "role", node: OUTPUT_ID, role: g.outRole, delta: toward(cat(p.outRole, g.outRole === "fuser" ? 1 : 0), target / 2) });
  return out.filter((c) => Math.abs(c.delta) >= 0.01);
}

/**
 * The predicted accuracy of each candidate from the probes: with insights, the aggregation model of
 * Insight 1 on size-consistent probe accuracies; without, the mean member accuracy.
 */
export function predictCandidates(input: Pick<InitInput, "probes" | "candidates" | "insights">): Map<string, number> {
  const probes = input.insights ? sizeMonotone(input.probes) : new Map(input.probes.map((p) => [p.model, p]));
  const graded = input.probes.reduce((s, p) => s + p.items, 0);
  const prior = graded > 0 ? input.probes.reduce((s, p) => s + p.correct, 0) / graded : 0.5;
  // Probe accuracies are shrunk toward the mean: a handful of items says little on its own.
  const acc = (m: string) => {
    const p = probes.get(m);
    return p ? shrunkAccuracy({ ...p, errored: 0 }, prior, 2) : prior;
  };
  const out = new Map<string, number>();
  for (const c of input.candidates) {
    const o = c.graph.nodes.find((n) => n.id === c.graph.output)!.model;
    const workers: Record<string, number> = {};
    for (const n of c.graph.nodes) if (n.id !== c.graph.output) workers[n.model] = (workers[n.model] ?? 0) + 1;
    out.set(c.id, input.insights ? predictMultiset(workers, o, acc, c.kind === "fuse") : predictMultisetPlain(c.counts, acc));
  }
  return out;
}

/** Rank candidate multisets by the probes (and, with insights, Insight 1) and keep a diverse few. */
export function chooseMultisets(input: InitInput): InitDecision {
  const predicted = predictCandidates(input);
  const scored = input.candidates.map((c) => ({ c, value: predicted.get(c.id)!, lead: c.graph.nodes.find((n) => n.id === c.graph.output)!.model }));
  scored.sort((a, b) => b.value - a.value || a.c.units - b.c.units || (a.c.id < b.c.id ? -1 : 1));
  const chosen: typeof scored = [];
  // Diversity: the best single model and the best fusing output are always tried; at most two
  // candidates share an output model.
  for (const kind of ["single", "fuse"] as const) {
    const first = scored.find((s) => s.c.kind === kind);
    if (first && chosen.length < input.pick) chosen.push(first);
  }
  for (const s of scored) {
    if (chosen.length >= input.pick) break;
    if (chosen.includes(s)) continue;
    if (chosen.filter((x) => x.lead === s.lead).length >= 2) continue;
    chosen.push(s);
  }
  for (const s of scored) {
    if (chosen.length >= input.pick) break;
    if (!chosen.includes(s)) chosen.push(s);
  }
  const why = chosen.map((s) => `${s.c.id} ${countsLabel(s.c.counts)}${s.c.kind === "fuse" ? ` fused by ${s.lead}` : ""} (predicted ${pct(s.value)}, ${s.c.units.toFixed(1)} units)`);
  const probeLine = input.probes.map((p) => `${p.model} ${p.correct}/${p.items}`).join(", ");
  const rationale = input.insights
    ? `Probes alone: ${probeLine}. Insight 1: lead with the strongest model that fits, replicate it where the budget allows, and avoid many weak models. Pretest: ${why.join("; ")}.`
    : `Probes alone: ${probeLine}. Pretest the combinations with the best mean member accuracy: ${why.join("; ")}.`;
  return { multisets: chosen.map((s) => s.c.id), rationale };
}

export function countsLabel(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .filter(([, c]) => c > 0)
    .map(([m, c]) => `${c}x${m}`)
    .join(" + ");
}

function describe(s: SampleReport): string {
  const counts: Record<string, number> = {};
  for (const n of s.graph.nodes) counts[n.model] = (counts[n.model] ?? 0) + 1;
  const fusers = s.graph.nodes.filter((n) => n.role === "fuser").length;
  return `${countsLabel(counts)}, width ${s.width}, depth ${s.depth}${fusers > 0 ? `, ${fusers} fuser${fusers > 1 ? "s" : ""}` : ""}`;
}

function uniqueByHash(xs: SampleReport[]): SampleReport[] {
  const seen = new Set<string>();
  return xs.filter((x) => (seen.has(x.hash) ? false : (seen.add(x.hash), true)));
}

function changeKey(c: AgentChange): string {
  if (c.op === "edge") return `edge|${c.from}|${c.to}`;
  if (c.op === "role") return `role|${c.node}|${c.role}`;
  return `model|${c.node}|${c.model}`;
}

function clampDelta(d: number): number {
  return Math.max(-MAX_DELTA, Math.min(MAX_DELTA, d));
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function avg(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "n/a";
}

function correlation(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 3) return NaN;
  const mx = avg(xs);
  const my = avg(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return sxy / Math.sqrt(sxx * syy);
}
