/**
 * Sampling settings: one `sampling` section (temperature, topP, maxTokens, stop) shared by search,
 * compare, eval, run and serve, as config keys and as flags. Settings are layered, later wins:
 *
 *   defaults (T 0.7, 1024 tokens) < run (config file, then flags) < run per role < pool model
 *
 * The pool's per-model settings win because they describe the model (a reasoning model needs more
 * tokens whatever the run asks). A search records its run-level section in the run's config and in
 * `best.graph.json`; `eval`, `run` and `serve` of that graph sample the same way unless a flag
 * overrides a recorded value, which they warn about.
 */
import { z } from "zod";
import { UserError } from "../errors.js";
import { RoleSchema, type Role } from "../graph/schema.js";

/** What one call samples with (the seed is derived per call, elsewhere). */
export interface SamplingSettings {
  temperature: number;
  maxTokens: number;
  topP?: number | undefined;
  /** Strings that end generation; the server leaves them out of the text. */
  stop?: string[] | undefined;
}

export const DEFAULT_SAMPLING: SamplingSettings = { temperature: 0.7, maxTokens: 1024 };

/** The most stop strings OpenAI-compatible servers accept. */
export const MAX_STOP_STRINGS = 4;

/** Some of the settings: a layer laid over others. */
export const SamplingLayerSchema = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().gt(0).max(1).optional(),
    maxTokens: z.number().int().positive().max(10_000_000).optional(),
    stop: z.array(z.string().min(1)).max(MAX_STOP_STRINGS).optional(),
  })
  .strict();
export type SamplingLayer = z.infer<typeof SamplingLayerSchema>;

/** The run-level section: settings for every call, and per role (e.g. a greedy fuser). */
export const SamplingConfigSchema = SamplingLayerSchema.extend({
  roles: z.partialRecord(RoleSchema, SamplingLayerSchema).optional(),
}).strict();
export type SamplingConfig = z.infer<typeof SamplingConfigSchema>;

const KEYS = ["temperature", "topP", "maxTokens", "stop"] as const;

/** `base` with the fields `layer` sets laid over it. */
export function layerSampling(base: SamplingSettings, layer: SamplingLayer | undefined): SamplingSettings {
  if (!layer) return base;
  const out: SamplingSettings = { ...base };
  for (const k of KEYS) if (layer[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = layer[k];
  return out;
}

/**
 * Settings of one call: the run's settings, its role's, then the model's own. Returns `base` itself
 * when nothing overrides it (the common case, on the executor's hot path).
 */
export function callSampling(base: SamplingSettings, roles: SamplingConfig["roles"], role: Role, model: { sampling?: SamplingLayer | undefined }): SamplingSettings {
  const byRole = roles?.[role];
  if (!byRole && !model.sampling) return base;
  return layerSampling(layerSampling(base, byRole), model.sampling);
}

/** The sampling flags of a command (commander's names). */
export interface SamplingFlags {
  temperature?: number | undefined;
  topP?: number | undefined;
  maxTokens?: number | undefined;
  /** `--stop` given once or more. */
  stop?: string[] | undefined;
}

/** The layer the flags set; undefined fields are left out. */
export function samplingFromFlags(flags: SamplingFlags): SamplingLayer {
  const out: SamplingLayer = {};
  if (flags.temperature !== undefined) out.temperature = flags.temperature;
  if (flags.topP !== undefined) out.topP = flags.topP;
  if (flags.maxTokens !== undefined) out.maxTokens = flags.maxTokens;
  if (flags.stop !== undefined && flags.stop.length > 0) out.stop = flags.stop;
  return out;
}

/** A config's `sampling` section with the flags laid over it; undefined when neither sets anything. */
export function mergeSamplingConfig(file: SamplingConfig | undefined, flags: SamplingFlags): SamplingConfig | undefined {
  const merged: SamplingConfig = { ...file, ...samplingFromFlags(flags) };
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/** Read the sampling a graph file records (`meta.sampling`, written by `search`); undefined when none. */
export function recordedSampling(meta: Record<string, unknown> | undefined, source: string): SamplingConfig | undefined {
  const raw = meta?.sampling;
  if (raw === undefined || raw === null) return undefined;
  const r = SamplingConfigSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new UserError(`${source}: meta.sampling${issue.path.length ? "." + issue.path.join(".") : ""}: ${issue.message}`, { code: "invalid_graph", source });
  }
  return r.data;
}

/**
 * The run-level sampling of `eval`, `run` or `serve` of a graph: what the graph records, with the
 * flags laid over it. Each flag that changes a recorded value is named in `overridden`, for a warning.
 */
export function samplingForGraph(recorded: SamplingConfig | undefined, flags: SamplingFlags): { sampling: SamplingConfig; overridden: string[] } {
  const given = samplingFromFlags(flags);
  const overridden: string[] = [];
  for (const k of KEYS) {
    const was = recorded?.[k];
    const now = given[k];
    if (was !== undefined && now !== undefined && JSON.stringify(was) !== JSON.stringify(now)) overridden.push(`${flagName(k)} ${fmt(now)} (searched with ${fmt(was)})`);
  }
  return { sampling: { ...recorded, ...given }, overridden };
}

function flagName(k: (typeof KEYS)[number]): string {
  return { temperature: "--temperature", topP: "--top-p", maxTokens: "--max-tokens", stop: "--stop" }[k];
}

function fmt(v: unknown): string {
  return Array.isArray(v) ? v.map((s) => JSON.stringify(s)).join(", ") : String(v);
}

/** The settings every call starts from: the defaults with a run-level section's common fields. */
export function baseSampling(config: SamplingConfig | undefined): SamplingSettings {
  if (!config) return DEFAULT_SAMPLING;
  const { roles: _roles, ...common } = config;
  return layerSampling(DEFAULT_SAMPLING, common);
}
