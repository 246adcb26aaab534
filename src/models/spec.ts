/**
 * Model specs and pool files. A pool lists the models a search may use: their FLOPs specs (for the
 * cost model) and how to call them. Pool files are YAML or JSON and validated on every read.
 */
import { z } from "zod";
import type { CostModel } from "../cost/plan.js";
import { ReasoningSchema } from "./reasoning-schema.js";
import { SamplingLayerSchema } from "./sampling.js";

export const PricingSchema = z.object({ inputPerMTok: z.number().nonnegative(), outputPerMTok: z.number().nonnegative() }).strict();

export const SpeedSchema = z
  .object({
    prefillTokensPerSec: z.number().positive(),
    decodeTokensPerSec: z.number().positive(),
    overheadMs: z.number().nonnegative().optional(),
  })
  .strict();

/**
 * Requests in flight per endpoint when the pool says none. vLLM and SGLang batch up to 256 sequences
 * (vLLM's `max_num_seqs`) and gain throughput well past 8; 32 keeps a shared server responsive.
 */
export const DEFAULT_ENDPOINT_CONCURRENCY = 32;

/** An OpenAI-compatible server: vLLM, SGLang, llama.cpp's server, Ollama's /v1, hosted APIs. */
export const OpenAIEndpointSchema = z
  .object({
    kind: z.literal("openai"),
    /** e.g. `http://127.0.0.1:8000/v1`. */
    baseURL: z.string().url(),
    /** The model name the server expects. */
    model: z.string().min(1),
    /** Environment variable holding the API key (default `OPENAI_API_KEY`; none needed for local servers). */
    apiKeyEnv: z.string().optional(),
    /** Most requests in flight to this endpoint (default 32, sized for one vLLM or SGLang server). */
    concurrency: z.number().int().positive().optional(),
    timeoutMs: z.number().int().positive().optional(),
    maxRetries: z.number().int().nonnegative().optional(),
    /** Extra headers sent with each request. */
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/** A GGUF file run in-process by llama.cpp (node-llama-cpp). */
export const GgufEndpointSchema = z
  .object({
    kind: z.literal("gguf"),
    /** Path to the .gguf file, relative to the pool file. */
    path: z.string().min(1),
    contextTokens: z.number().int().positive().optional(),
    threads: z.number().int().positive().optional(),
  })
  .strict();

/** A model of the simulated world; `profile` names the simulated model when it differs from the id. */
export const SimEndpointSchema = z.object({ kind: z.literal("sim"), profile: z.string().optional() }).strict();

/**
 * A provider of the user's own: a JS module (ESM) whose export is a provider, or a function that
 * makes one. It says itself what it supports, since nothing about it can be guessed from its kind.
 */
export const ModuleEndpointSchema = z
  .object({
    kind: z.literal("module"),
    /** Path to the module (`.mjs` or `.js`), relative to the pool file. */
    path: z.string().min(1),
    /** The export to use (default `default`). */
    export: z.string().min(1).optional(),
    /** Passed to the export when it is a function that makes a provider. */
    options: z.record(z.string(), z.unknown()).optional(),
    /** Keep its responses in the response cache (default false): only for a provider whose answer depends on the request alone. */
    cache: z.boolean().optional(),
    /** It honours `responseFormat`, a JSON Schema for its output (default false; the field is then not passed on). */
    structuredOutput: z.boolean().optional(),
  })
  .strict();

export const EndpointSchema = z.discriminatedUnion("kind", [OpenAIEndpointSchema, GgufEndpointSchema, SimEndpointSchema, ModuleEndpointSchema]);
export type Endpoint = z.infer<typeof EndpointSchema>;

/** The fields every model description shares, real or simulated: its id, family and FLOPs spec. */
export const modelIdentityShape = {
  id: z.string().min(1).regex(/^[A-Za-z0-9_.:/-]+$/, "model ids use letters, digits and _ . : / - only"),
  /** Models of one family make correlated mistakes. */
  family: z.string().min(1),
  /** Parameter count (e.g. 3e9). */
  params: z.number().positive(),
  layers: z.number().int().positive(),
  hidden: z.number().int().positive(),
};

/** Flag every model whose id an earlier one already has (at `models[i].id`); returns the ids seen. */
export function checkUniqueModelIds(models: readonly { id: string }[], ctx: z.RefinementCtx): Set<string> {
  const seen = new Set<string>();
  models.forEach((m, i) => {
    if (seen.has(m.id)) ctx.addIssue({ code: "custom", path: ["models", i, "id"], message: `model id "${m.id}" appears twice` });
    seen.add(m.id);
  });
  return seen;
}

export const ModelSpecSchema = z
  .object({
    ...modelIdentityShape,
    contextTokens: z.number().int().positive().optional(),
    pricing: PricingSchema.optional(),
    speed: SpeedSchema.optional(),
    /** This model's own sampling settings, laid over the run's (e.g. more tokens for a reasoning model). */
    sampling: SamplingLayerSchema.optional(),
    /** A reasoning model: the token-limit field to send and where its reasoning is. */
    reasoning: ReasoningSchema.optional(),
    endpoint: EndpointSchema.optional(),
    /** Replicas of the model (OpenAI-compatible servers of the same weights); calls are spread over them. */
    endpoints: z.array(OpenAIEndpointSchema).min(1).max(256).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.endpoint === undefined && m.endpoints === undefined) ctx.addIssue({ code: "custom", path: ["endpoint"], message: "a model needs an endpoint (or endpoints: a list of replicas)" });
    if (m.endpoint !== undefined && m.endpoints !== undefined) ctx.addIssue({ code: "custom", path: ["endpoints"], message: "give endpoint or endpoints, not both" });
  })
  // `endpoint` is always set: with replicas, the first one names the model (the response cache's key).
  .transform((m) => ({ ...m, endpoint: m.endpoint ?? m.endpoints![0]! }));

/** A model: its FLOPs spec and how to call it (`endpoints`, when given, lists its replicas; `endpoint` is the first). */
export type ModelSpec = z.output<typeof ModelSpecSchema>;

export const PoolSchema = z
  .object({
    version: z.literal(1).optional(),
    name: z.string().optional(),
    models: z.array(ModelSpecSchema).min(1, "a pool needs at least one model"),
    /** Model fixed at the output node, as the paper fixes its "final decision" node. Optional. */
    outputModel: z.string().optional(),
  })
  .strict()
  .superRefine((pool, ctx) => {
    const seen = checkUniqueModelIds(pool.models, ctx);
    if (pool.outputModel !== undefined && !seen.has(pool.outputModel)) {
      ctx.addIssue({ code: "custom", path: ["outputModel"], message: `outputModel "${pool.outputModel}" is not one of the pool's models` });
    }
  });

/** A pool of models. */
export type Pool = z.infer<typeof PoolSchema>;

/** The cost model's view of a model spec. */
export function toCostModel(m: ModelSpec): CostModel {
  return { id: m.id, family: m.family, params: m.params, layers: m.layers, hidden: m.hidden, pricing: m.pricing, speed: m.speed };
}
