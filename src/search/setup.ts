/**
 * From a config and the resolved task, pool and providers to a runnable {@link SearchSetup}: the
 * search space, the executor-backed evaluator and, when the agent is an LLM, its caller through
 * the provider interface. Resolution of names (tasks, pools, providers) happens above this layer.
 */
import { UserError } from "../errors.js";
import { createExecContext, type ResponseCache } from "../exec/index.js";
import type { LoadedPool } from "../models/pool.js";
import type { ModelSpec } from "../models/spec.js";
import { toCostModel } from "../models/spec.js";
import type { ProviderResolver } from "../models/provider.js";
import type { Task } from "../tasks/types.js";
import type { SearchConfig } from "./config.js";
import { executorEvaluator } from "./evaluator.js";
import type { AgentCaller, SearchSetup, SelectionOptions } from "./harness.js";
import { resolveOptimizer } from "./plugins.js";
import { SearchSpace } from "./space.js";
import type { AgentChatRequest } from "./types.js";

export interface ResolvedParts {
  task: Task;
  pool: LoadedPool;
  providers: ProviderResolver;
  cache?: ResponseCache | null | undefined;
}

/** The search space of a config. */
export function buildSpace(config: SearchConfig, task: Task, pool: LoadedPool): SearchSpace {
  const outputModel = config.space.outputModel ?? pool.pool.outputModel;
  return new SearchSpace(
    pool.pool.models.map(toCostModel),
    { tokens: task.tokens },
    { limit: config.budget, unit: config.budgetUnit },
    { maxSlots: config.space.maxSlots, repair: config.space.repair, fuser: config.space.fuser, outputModel, models: config.space.models },
  );
}

/** The model spec of the agent, from the pool or an OpenAI-compatible endpoint. */
export function agentModel(config: SearchConfig, pool: LoadedPool): ModelSpec | undefined {
  if (config.agent === "rules") {
    if (config.agentUrl) throw new UserError("--agent-url needs --agent MODEL_ID (the model name at that endpoint)", { code: "agent_url_without_model", source: "--agent-url" });
    return undefined;
  }
  if (config.agentUrl) {
    return {
      id: config.agent,
      family: "agent",
      params: 1,
      layers: 1,
      hidden: 1,
      endpoint: { kind: "openai", baseURL: config.agentUrl, model: config.agent, ...(config.agentApiKeyEnv ? { apiKeyEnv: config.agentApiKeyEnv } : {}) },
    };
  }
  const m = pool.pool.models.find((x) => x.id === config.agent);
  if (!m) {
    throw new UserError(`--agent ${config.agent}: not a model of the pool (${pool.pool.models.map((x) => x.id).join(", ")}); use "rules", a pool model, or --agent-url URL for an OpenAI-compatible endpoint`, { code: "unknown_agent", source: "--agent" });
  }
  return m;
}

/** The agent's LLM calls through the provider interface (outside the graph cache: the event log records them). */
export function providerAgentCaller(model: ModelSpec, providers: ProviderResolver, seed: number): AgentCaller {
  const provider = providers(model);
  // Structured output is asked for until the server refuses it once (a 400 naming it).
  let structured = model.endpoint.kind === "openai";
  return {
    model: model.id,
    async call(req: AgentChatRequest) {
      const last = [...req.messages].reverse().find((m) => m.role === "user")?.content ?? "";
      const request = (withSchema: boolean) => ({
        model,
        messages: req.messages,
        role: "assistant" as const,
        isOutput: false,
        style: "short" as const,
        taskId: `agent:${req.purpose}`,
        item: { id: `agent:${req.purpose}`, question: last },
        references: [],
        sampling: { temperature: req.temperature ?? 0.2, maxTokens: req.maxTokens ?? 4096, seed },
        sampleIndex: 0,
        ...(withSchema && req.jsonSchema ? { responseFormat: req.jsonSchema } : {}),
      });
      let r;
      try {
        r = await provider.generate(request(structured));
      } catch (err) {
        const e = err as { status?: number; message?: string; responseBody?: string };
        if (!(structured && req.jsonSchema && e.status !== undefined && e.status >= 400 && e.status < 500 && /response_format|json_schema|structured/i.test(`${e.message ?? ""} ${e.responseBody ?? ""}`))) throw err;
        structured = false;
        r = await provider.generate(request(false));
      }
      return { text: r.text, promptTokens: r.usage.promptTokens, completionTokens: r.usage.completionTokens, latencyMs: r.latencyMs };
    },
  };
}

/**
 * A dollar budget needs every searched model's pricing, a millisecond budget its speed: name the
 * models without them, rather than letting no graph fit for a reason the budget check cannot say.
 */
function requireUnitSpecs(config: SearchConfig, parts: ResolvedParts): void {
  const unit = config.budgetUnit;
  if (unit !== "usd" && unit !== "ms") return;
  const allowed = config.space.models ? new Set(config.space.models) : undefined;
  const searched = parts.pool.pool.models.filter((m) => !allowed || allowed.has(m.id) || m.id === config.space.outputModel);
  const missing = searched.filter((m) => (unit === "usd" ? !m.pricing : !m.speed)).map((m) => m.id);
  if (missing.length === 0) return;
  const spec = unit === "usd" ? "pricing (inputPerMTok, outputPerMTok)" : "speed";
  throw new UserError(
    `--budget-unit ${unit} needs the ${spec} of every searched model; ${missing.join(", ")} ha${missing.length > 1 ? "ve" : "s"} none in pool ${parts.pool.source}: add it, or use --budget-unit units`,
    { code: unit === "usd" ? "no_pricing" : "no_speed", source: "--budget-unit" },
  );
}

/** A runnable search from a config and resolved parts. Throws a user error (exit 2) for a bad combination. */
export function buildSearch(config: SearchConfig, parts: ResolvedParts): SearchSetup {
  const { definition: info, options } = resolveOptimizer(config);
  const model = agentModel(config, parts.pool);
  if (info.needsLlm && !model) {
    throw new UserError(`the ${config.optimizer} optimizer needs an LLM and none is configured: give --agent MODEL_ID (a pool model, or with --agent-url URL a model of an OpenAI-compatible endpoint)`, { code: "needs_llm", source: "--agent" });
  }
  if (config.objective.kind === "cost" && parts.pool.pool.models.some((m) => !m.pricing)) {
    const missing = parts.pool.pool.models.filter((m) => !m.pricing).map((m) => m.id);
    throw new UserError(`--objective cost needs a price for every model; ${missing.join(", ")} ha${missing.length > 1 ? "ve" : "s"} no pricing in pool ${parts.pool.source}`, { code: "no_pricing", source: "--objective" });
  }
  requireUnitSpecs(config, parts);
  const space = buildSpace(info.space ? { ...config, space: { ...config.space, ...info.space } } : config, parts.task, parts.pool);
  const ctx = createExecContext({
    task: parts.task,
    models: parts.pool.pool.models,
    providers: parts.providers,
    cache: config.cache ? parts.cache : null,
    concurrency: config.concurrency,
    seed: config.seed,
    sampling: config.sampling,
  });
  return {
    space,
    optimizer: (ctx) => info.create(ctx, options),
    optimizerName: config.optimizer,
    seed: config.seed,
    objective: config.objective,
    task: parts.task,
    pool: parts.pool.source,
    evaluator: executorEvaluator(ctx),
    agent: model ? providerAgentCaller(model, parts.providers, config.seed) : undefined,
    evals: config.evals,
    iterations: config.iterations,
    samples: config.samples,
    batch: config.batch,
    selection: selectionOf(config),
    failureThreshold: config.failureThreshold,
    optimizerOptions: options,
    config,
  };
}

/** Validation items per candidate when the config does not say. */
export const SELECTION_ITEMS = 66;

/**
 * The selection's items per candidate: {@link SELECTION_ITEMS} unless the config says otherwise,
 * and never more than half of `evals` shared between the candidates, so a small budget still
 * leaves the search half.
 */
export function selectionOf(config: Pick<SearchConfig, "selection" | "evals">): SelectionOptions {
  const { candidates, confidence } = config.selection;
  return { candidates, confidence, items: config.selection.items ?? Math.max(1, Math.min(SELECTION_ITEMS, Math.floor(config.evals / (2 * candidates)))) };
}
