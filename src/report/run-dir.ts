/**
 * A search run folder as a report sees it. The runs module reads the folder (`readRun`: config,
 * journal, result, best graph); here each event the report uses and the result are validated in
 * full, so a bad field is named. A run that is still going, or was killed, has no `result.json` and
 * may end in a torn line: both are states to report, not errors.
 */
import { join } from "node:path";
import { z } from "zod";
import { GraphSchema, type Graph } from "../graph/schema.js";
import { readRun, RUN_FILES } from "../runs/dir.js";
import type { JournalRead } from "../runs/journal.js";
import { ObjectiveSchema } from "../search/objective.js";
import type { SearchConfig } from "../search/config.js";
import { parseWith } from "../util/files.js";

/** JSON writes non-finite numbers as null; read them back as NaN. */
const num = z.union([z.number(), z.null()]).transform((v) => (v === null ? NaN : v));
const optNum = z.number().nullish().transform((v) => v ?? undefined).optional();

const ScoreSchema = z.looseObject({
  items: z.number().int().nonnegative(),
  correct: z.number().int().nonnegative(),
  errored: z.number().int().nonnegative(),
  accuracy: num,
  meanFlops: num,
  meanLatencyMs: num,
  meanDollars: optNum,
  utility: num,
});
export type ReportScore = z.output<typeof ScoreSchema>;

const ItemOutcomeSchema = z.looseObject({
  itemId: z.string(),
  correct: z.boolean().nullable(),
  errored: z.boolean(),
  flops: z.number(),
  latencyMs: z.number(),
  dollars: optNum,
  calls: z.number(),
});
export type ReportItem = z.output<typeof ItemOutcomeSchema>;

const SplitSchema = z.enum(["search", "validation"]);
const PhaseSchema = z.enum(["probe", "pretest", "search", "selection"]);
export type ReportPhase = z.output<typeof PhaseSchema>;

const base = { v: z.number().int().positive(), seq: z.number().int().nonnegative() };

/** The events a report reads; other types are skipped so newer logs stay readable. */
const KnownEventSchema = z.discriminatedUnion("type", [
  z.looseObject({ ...base, type: z.literal("run.started"), optimizer: z.string(), seed: z.number(), task: z.string(), pool: z.string(), config: z.unknown(), space: z.unknown(), searchItems: z.number(), validationItems: z.number() }),
  z.looseObject({ ...base, type: z.literal("iteration.started"), iteration: z.number().int(), phase: PhaseSchema, split: SplitSchema, items: z.array(z.string()) }),
  z.looseObject({ ...base, type: z.literal("graph.proposed"), iteration: z.number().int(), id: z.string(), hash: z.string(), origin: z.string(), graph: GraphSchema }),
  z.looseObject({ ...base, type: z.literal("proposal.rejected"), iteration: z.number().int(), id: z.string(), origin: z.string(), reason: z.string() }),
  z.looseObject({ ...base, type: z.literal("eval.batch"), iteration: z.number().int(), split: SplitSchema, hash: z.string(), status: z.enum(["ok", "failed", "rejected"]), items: z.array(ItemOutcomeSchema), reused: z.number().int().nonnegative(), score: ScoreSchema }),
  z.looseObject({
    ...base,
    type: z.literal("agent.call"),
    purpose: z.string(),
    model: z.string(),
    response: z.looseObject({ promptTokens: optNum, completionTokens: optNum }).optional(),
    error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
  }),
  z.looseObject({ ...base, type: z.literal("agent.feedback"), iteration: z.number().int(), agent: z.string(), text: z.string() }),
  z.looseObject({ ...base, type: z.literal("agent.rejected"), iteration: z.number().int(), purpose: z.string(), attempt: z.number(), excerpt: z.string() }),
  z.looseObject({ ...base, type: z.literal("agent.fallback"), iteration: z.number().int(), purpose: z.string(), reason: z.string() }),
  z.looseObject({
    ...base,
    type: z.literal("iteration.finished"),
    iteration: z.number().int(),
    phase: PhaseSchema,
    evals: z.number(),
    best: z.looseObject({ hash: z.string(), value: num, accuracy: num, items: z.number() }).optional(),
  }),
  z.looseObject({ ...base, type: z.literal("selection"), chosen: z.string(), rule: z.string() }),
  z.looseObject({ ...base, type: z.literal("run.finished"), best: z.string(), evals: z.number() }),
]);
export type RunEvent = z.output<typeof KnownEventSchema>;
export type RunEventOf<T extends RunEvent["type"]> = Extract<RunEvent, { type: T }>;

const KNOWN_TYPES: ReadonlySet<string> = new Set(KnownEventSchema.options.map((o) => o.shape.type.value));
/** Harness events a report has no use for: the optimizer's internal state. */
const UNUSED_EVENT_TYPES: ReadonlySet<string> = new Set(["optimizer.updated"]);

const CandidateSchema = z.looseObject({
  hash: z.string(),
  graph: GraphSchema,
  origin: z.string(),
  search: ScoreSchema,
  validation: ScoreSchema.extend({ ci: z.looseObject({ low: z.number(), high: z.number(), confidence: z.number() }) }).optional(),
  versusBest: z.looseObject({ n: z.number(), diff: z.number(), low: z.number(), high: z.number() }).optional(),
  plan: z.looseObject({ units: num, flops: num, latencyMs: optNum, dollars: optNum }),
  width: z.number(),
  depth: z.number(),
  nodes: z.number(),
});
export type ReportCandidate = z.output<typeof CandidateSchema>;

const CostSchema = z.looseObject({
  evals: z.looseObject({ total: z.number(), probe: z.number(), pretest: z.number(), search: z.number(), selection: z.number() }),
  graphCalls: z.number(),
  graphFlops: z.number(),
  graphDollars: optNum,
  agent: z.looseObject({ calls: z.number(), failedCalls: z.number(), promptTokens: z.number(), completionTokens: z.number(), rejected: z.number(), fallbacks: z.number() }),
});
export type ReportCost = z.output<typeof CostSchema>;

/** The parts of a `SearchResult` (search/harness.ts) a report reads. */
export const ResultFileSchema = z.looseObject({
  version: z.literal(1),
  optimizer: z.string(),
  seed: z.number(),
  task: z.string(),
  pool: z.string(),
  objective: ObjectiveSchema,
  budget: z.looseObject({ limit: z.number(), unit: z.string() }),
  best: CandidateSchema,
  selectionRule: z.string(),
  candidates: z.array(CandidateSchema),
  pareto: z.array(z.looseObject({ hash: z.string(), accuracy: num, items: z.number(), meanFlops: num, meanLatencyMs: num, graph: GraphSchema })),
  cost: CostSchema,
  iterations: z.number(),
  evaluatedGraphs: z.number(),
  curve: z.array(z.looseObject({ iteration: z.number(), phase: PhaseSchema, evals: z.number(), best: num, bestHash: z.string() })),
});
export type ResultFile = z.output<typeof ResultFileSchema>;

/** What a run directory holds, validated. */
export interface RunDir {
  dir: string;
  config: SearchConfig;
  events: RunEvent[];
  /** Absent while the run is unfinished. */
  result: ResultFile | undefined;
  bestGraph: Graph | undefined;
  /** Things the reader tolerated (a torn last line, unknown event types). */
  notes: string[];
}

/**
 * The events of a journal the report uses, each validated (a bad field is named with its line).
 * The journal reader has already checked every line and dropped a torn last one.
 */
export function reportEvents(journal: JournalRead, source: string): { events: RunEvent[]; notes: string[] } {
  const events: RunEvent[] = [];
  const notes: string[] = [];
  if (journal.torn) notes.push(`the last line of ${source} (line ${journal.torn.line}) is incomplete, as a write cut short leaves it; it was skipped`);
  const skipped = new Map<string, number>();
  journal.events.forEach((raw, i) => {
    if (UNUSED_EVENT_TYPES.has(raw.type)) return;
    if (!KNOWN_TYPES.has(raw.type)) {
      skipped.set(raw.type, (skipped.get(raw.type) ?? 0) + 1);
      return;
    }
    events.push(parseWith(KnownEventSchema, raw, `${source}:${i + 1}`, "event"));
  });
  for (const [type, n] of skipped) notes.push(`${n} event${n === 1 ? "" : "s"} of type ${type} unknown to this report; skipped`);
  return { events, notes };
}

/** Read and validate a run directory. Throws a `UserError` when it is not one. */
export function readRunDir(dir: string): RunDir {
  const run = readRun(dir);
  const { events, notes } = reportEvents(run.journal, join(dir, RUN_FILES.events));
  const result = run.result === undefined ? undefined : parseWith(ResultFileSchema, run.result, join(dir, RUN_FILES.result), "search result");
  return { dir, config: run.config, events, result, bestGraph: run.bestGraph, notes };
}
