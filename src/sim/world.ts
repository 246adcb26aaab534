/**
 * A simulated world: a profile plus a seed. Items and their answers are functions of (seed, item
 * index), computed on demand, so a world needs no storage and any process rebuilds the same one.
 * Everything the behaviour code touches per call is numeric; answer strings and texts exist only for
 * the provider and the task, which talk to the rest of the system in text.
 */
import { InternalError } from "../errors.js";
import type { FlopsSpec, SpeedSpec } from "../cost/flops.js";
import { fmix32, hashString, streamKey } from "../util/rng.js";
import type { SimModelProfile, SimProfile } from "./profile.js";
import { answerTable, decodeUnique, type AnswerTable } from "./answers.js";

/** Answer codes: 0 is the item's correct answer, 1..K its plausible wrong answers. */
export const CORRECT = 0;
/** One-off wrong answers: [UNIQUE_BASE, UNIQUE_BASE + 2^20). */
export const UNIQUE_BASE = 1 << 20;
/** Answers this world did not produce (e.g. from a real model in a mixed pool): [FOREIGN_BASE, 2^30). */
export const FOREIGN_BASE = 1 << 21;
/** No answer could be read. */
export const NO_ANSWER = -1;

/** Items of the splits come first; ground-truth items are drawn from this index on. */
export const POPULATION_BASE = 10_000_000;

export type SplitName = "search" | "validation" | "test" | "population";

/** The simulated model, with its numbers ready for the per-call code. */
export interface SimModel {
  index: number;
  id: string;
  family: string;
  familyIndex: number;
  /** hashString(id): how references name their model in call identities. */
  idHash: number;
  ability: number;
  referenceUse: number;
  contextTokens: number;
  fragility: number;
  /** Multiplies the role's chance of following the references' plurality. */
  follow: number;
  /** 1 - exp(-fragility): chance of overwriting a correct answer when revising. */
  overwrite: number;
  outputScale: number;
  costUnits: number | undefined;
  spec: FlopsSpec;
  speed: SpeedSpec;
  profile: SimModelProfile;
}

/** One item's hidden state. */
export interface SimItem {
  /** Global index in the world's item stream. */
  index: number;
  /** Key of everything random about this item (and the calls on it). */
  key: number;
  difficulty: number;
  /** Tokens of the question prompt (before any references). */
  promptTokens: number;
  /** Cumulative weights of the plausible wrong answers, per model: [model * K + k]. */
  wrongCum: Float64Array;
}

/** Uniform in (0, 1) from a key; never exactly 0 or 1, so logs are safe. */
export function unitFromKey(key: number): number {
  return (fmix32(key) + 0.5) / 4294967296;
}

/** One step of the key mixer (the same recurrence as mixKeys, for two keys, without allocation). */
export function mix(h: number, k: number): number {
  return fmix32(((h ^ (k >>> 0)) + 0x9e3779b9 + (h << 6) + (h >>> 2)) >>> 0);
}

/** out[off .. off+n) = scale x independent standard normals keyed by `key`. */
function gaussians(out: Float64Array, off: number, n: number, key: number, scale: number): void {
  for (let k = 0; k < n; k += 2) {
    const z = normalsFromKey(mix(key, k));
    out[off + k] = scale * z[0]!;
    if (k + 1 < n) out[off + k + 1] = scale * z[1]!;
  }
}

/** Two independent standard normals (Box-Muller) from one key, written to `pair`. */
const pair = new Float64Array(2);
function normalsFromKey(key: number): Float64Array {
  const r = Math.sqrt(-2 * Math.log(unitFromKey(mix(key, 1))));
  const t = 2 * Math.PI * unitFromKey(mix(key, 2));
  pair[0] = r * Math.cos(t);
  pair[1] = r * Math.sin(t);
  return pair;
}

export class SimWorld {
  readonly profile: SimProfile;
  readonly seed: number;
  /** Key of the whole world. */
  readonly seedKey: number;
  readonly models: SimModel[];
  readonly families: string[];
  /** Plausible wrong answers per item (K). */
  readonly plausible: number;
  private readonly byId = new Map<string, number>();
  private readonly familyKeys: number[];
  private readonly modelKeys: number[];
  private readonly baseScratch: Float64Array;
  private readonly familyScratch: Float64Array;
  // Profile numbers hoisted out of the nested profile for the per-call code.
  readonly uniqueRate: number;
  readonly followAssistant: number;
  readonly followFuser: number;
  readonly overloadVerification: number;
  readonly overloadCorruption: number;
  readonly lostCopy: number;
  readonly consistency: number;
  readonly choiceStyle: boolean;
  readonly elaborationAssistant: number;
  readonly elaborationFuser: number;
  readonly outputMean: number;
  /** Output length factor (u / (1 - u))^lengthPower * lengthNorm: a scaled logistic in log space, mean 1, cheap. */
  readonly lengthPower: number;
  readonly lengthNorm: number;
  private readonly tables = new Map<number, AnswerTable>();

  constructor(profile: SimProfile, seed = 0) {
    this.profile = profile;
    this.seed = seed;
    this.seedKey = streamKey("sim-world", profile.name, seed);
    this.families = [...new Set(profile.models.map((m) => m.family))];
    this.plausible = profile.task.wrongAnswers.plausible;
    this.models = profile.models.map((m, index) => ({
      index,
      id: m.id,
      family: m.family,
      familyIndex: this.families.indexOf(m.family),
      idHash: hashString(m.id),
      ability: m.ability,
      referenceUse: m.referenceUse,
      contextTokens: m.contextTokens,
      fragility: m.fragility,
      follow: m.follow,
      overwrite: 1 - Math.exp(-m.fragility),
      outputScale: m.outputScale,
      costUnits: m.costUnits,
      spec: { id: m.id, family: m.family, params: m.params, layers: m.layers, hidden: m.hidden },
      speed: m.speed,
      profile: m,
    }));
    this.models.forEach((m) => this.byId.set(m.id, m.index));
    this.familyKeys = this.families.map((f) => 0x10000 + hashString(f));
    this.modelKeys = this.models.map((m) => 0x20000 + m.idHash);
    this.baseScratch = new Float64Array(this.plausible);
    this.familyScratch = new Float64Array(this.families.length * this.plausible);
    const t = profile.task;
    const b = profile.behaviour;
    this.uniqueRate = t.wrongAnswers.unique;
    this.followAssistant = b.follow.assistant;
    this.followFuser = b.follow.fuser;
    this.overloadVerification = b.overload.verification;
    this.overloadCorruption = b.overload.corruption;
    this.lostCopy = b.overload.copy;
    this.consistency = b.consistency;
    this.choiceStyle = t.style === "choice";
    this.elaborationAssistant = b.elaboration.assistant;
    this.elaborationFuser = b.elaboration.fuser;
    this.outputMean = t.tokens.output;
    const s = (t.tokens.outputSpread * Math.sqrt(3)) / Math.PI;
    this.lengthPower = s;
    this.lengthNorm = s > 0 ? Math.sin(Math.PI * s) / (Math.PI * s) : 1;
  }

  /** Index of a simulated model by id, or undefined. */
  modelIndex(id: string): number | undefined {
    return this.byId.get(id);
  }

  /** The hidden state of item `index`. */
  item(index: number): SimItem {
    return this.fillItem(index, { index: 0, key: 0, difficulty: 0, promptTokens: 0, wrongCum: new Float64Array(this.models.length * this.plausible) });
  }

  /** Write item `index` into `item` (reusing its arrays): the allocation-free form for hot loops. */
  fillItem(index: number, item: SimItem): SimItem {
    const t = this.profile.task;
    const key = mix(this.seedKey, index);
    const z = normalsFromKey(mix(key, 1));
    const difficulty = t.difficulty.mean + t.difficulty.sd * z[0]!;
    const ps = t.tokens.promptSpread;
    const promptTokens = Math.max(1, Math.round(t.tokens.prompt * Math.exp(ps * z[1]! - (ps * ps) / 2)));
    const K = this.plausible;
    const wrongCum = item.wrongCum;
    const base = this.baseScratch;
    const fam = this.familyScratch;
    const w = t.wrongAnswers;
    // Log-popularity of each wrong answer: shared by everyone, then per family, then per model, so
    // errors agree most within a model, less within a family, least across families.
    gaussians(base, 0, K, mix(key, 100), w.itemSpread);
    for (let f = 0; f < this.families.length; f++) gaussians(fam, f * K, K, mix(key, this.familyKeys[f]!), w.familySpread);
    for (let m = 0; m < this.models.length; m++) {
      const off = m * K;
      const foff = this.models[m]!.familyIndex * K;
      if (w.modelSpread > 0) gaussians(wrongCum, off, K, mix(key, this.modelKeys[m]!), w.modelSpread);
      else wrongCum.fill(0, off, off + K);
      let total = 0;
      for (let k = 0; k < K; k++) {
        total += Math.exp(base[k]! + fam[foff + k]! + wrongCum[off + k]!);
        wrongCum[off + k] = total;
      }
      for (let k = 0; k < K; k++) wrongCum[off + k]! /= total;
    }
    item.index = index;
    item.key = key;
    item.difficulty = difficulty;
    item.promptTokens = promptTokens;
    return item;
  }

  /** The answer strings of an item (correct first), built on demand for the text side. */
  answers(item: SimItem): AnswerTable {
    let t = this.tables.get(item.index);
    if (!t) {
      t = answerTable(this.profile, item.index, item.key);
      if (this.tables.size > 50_000) this.tables.clear();
      this.tables.set(item.index, t);
    }
    return t;
  }

  /** The code of an answer string read from some output on this item. */
  codeOf(item: SimItem, answer: string | null): number {
    if (answer === null) return NO_ANSWER;
    const table = this.answers(item);
    const k = table.codes.get(normaliseAnswer(answer));
    if (k !== undefined) return k;
    const u = decodeUnique(this.profile.task.style, answer, table);
    if (u !== undefined) return UNIQUE_BASE + u;
    return FOREIGN_BASE + (hashString(normaliseAnswer(answer)) & 0x1fffffff);
  }

  /** The string of an answer code the world can produce. */
  answerString(item: SimItem, code: number): string {
    const table = this.answers(item);
    if (code >= 0 && code < table.strings.length) return table.strings[code]!;
    if (code >= UNIQUE_BASE && code < FOREIGN_BASE) return table.unique(code - UNIQUE_BASE);
    throw new InternalError(`answer code ${code} cannot be rendered`);
  }

  /** Split ranges in the item stream. */
  splitRange(split: SplitName): { start: number; count: number } {
    const n = this.profile.task.items;
    switch (split) {
      case "search":
        return { start: 0, count: n.search };
      case "validation":
        return { start: n.search, count: n.validation };
      case "test":
        return { start: n.search + n.validation, count: n.test };
      case "population":
        return { start: POPULATION_BASE, count: Number.MAX_SAFE_INTEGER - POPULATION_BASE };
    }
  }

  /** `math-test-42` for the 43rd test item. */
  itemId(split: SplitName, local: number): string {
    return `${this.profile.name}-${split}-${local}`;
  }

  /** The global index of an item id of this world, or undefined when the id is not one. */
  parseItemId(id: string): number | undefined {
    const m = /^(.+)-(search|validation|test|population)-(\d+)$/.exec(id);
    if (!m || m[1] !== this.profile.name) return undefined;
    const split = m[2] as SplitName;
    const local = Number(m[3]);
    const r = this.splitRange(split);
    if (!Number.isSafeInteger(local) || local >= r.count) return undefined;
    return r.start + local;
  }
}

/** Answers compare after trimming and collapsing inner whitespace. */
export function normaliseAnswer(s: string): string {
  return s.trim().replace(/\s+/g, " ");
}

/** Create the world of a profile and seed. */
export function createSimWorld(profile: SimProfile, seed = 0): SimWorld {
  return new SimWorld(profile, seed);
}
