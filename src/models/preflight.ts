/**
 * Fail fast: before a run spends anything, each OpenAI-compatible endpoint it will call is asked
 * once whether it is there. `GET /models` answers that without generating (and checks the key and,
 * when the server lists it, the model name); a server that does not list the model (Ollama names
 * models with a tag, some proxies list nothing) is asked for one token of chat instead. A model is
 * unusable when none of its replicas answers: the run stops before it starts, naming the endpoint
 * and what it answered. A dead replica of a model with others is only reported.
 */
import { APIError } from "openai";
import { UserError } from "../errors.js";
import { openAIClient, type OpenAIEndpoint, type OpenAIProviderOptions } from "./openai.js";
import { tokenLimit } from "./reasoning.js";
import type { ModelSpec } from "./spec.js";

/** How long each check may take (per request). */
export const PREFLIGHT_TIMEOUT_MS = 15_000;

export interface EndpointCheck {
  model: string;
  url: string;
  /** The model name the server was asked for. */
  served: string;
  ok: boolean;
  /** What the endpoint answered, when it failed. */
  problem?: string | undefined;
}

export interface PreflightOptions extends OpenAIProviderOptions {
  /** Where each model is used (`--agent`, the pool), for the message. */
  label?: ((model: ModelSpec) => string) | undefined;
}

function answered(err: unknown): string {
  if (err instanceof APIError && err.status !== undefined) {
    const hint = err.status === 401 || err.status === 403 ? " (check the API key: the variable named by the endpoint's apiKeyEnv, default OPENAI_API_KEY)" : err.status === 404 ? " (check the baseURL, which usually ends in /v1, and the model name)" : "";
    return `HTTP ${err.status}: ${err.message.replace(/\s+/g, " ").slice(0, 300)}${hint}`;
  }
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return `${e.message ?? String(err)}${cause ? ` (${cause})` : ""}`;
}

/**
 * Check one endpoint of a model. Never throws. With `listOnly` a server that answers the listing is
 * up whatever it lists, and no chat is sent (a readiness check asked again and again must not generate).
 */
export async function checkEndpoint(model: ModelSpec, endpoint: OpenAIEndpoint, options: OpenAIProviderOptions & { listOnly?: boolean } = {}): Promise<EndpointCheck> {
  const base = { model: model.id, url: endpoint.baseURL, served: endpoint.model };
  let client;
  try {
    client = openAIClient(model.id, { ...endpoint, timeoutMs: Math.min(endpoint.timeoutMs ?? PREFLIGHT_TIMEOUT_MS, PREFLIGHT_TIMEOUT_MS) }, options);
  } catch (err) {
    return { ...base, ok: false, problem: (err as Error).message };
  }
  try {
    const list = await client.models.list();
    if (options.listOnly || list.data.some((m) => m.id === endpoint.model)) return { ...base, ok: true };
  } catch (err) {
    // A server without the listing route is asked by chat; any other failure is the answer.
    if (options.listOnly || !(err instanceof APIError && (err.status === 404 || err.status === 405 || err.status === 501))) return { ...base, ok: false, problem: answered(err) };
  }
  try {
    await client.chat.completions.create({ model: endpoint.model, messages: [{ role: "user", content: "Reply with OK." }], ...tokenLimit(model.reasoning, 1) });
    return { ...base, ok: true };
  } catch (err) {
    return { ...base, ok: false, problem: answered(err) };
  }
}

/**
 * Check every OpenAI-compatible endpoint of `models` at once. Throws a user error (exit 2) naming
 * each model none of whose endpoints answered; returns warnings for dead replicas of live models.
 */
export async function preflight(models: readonly ModelSpec[], options: PreflightOptions = {}): Promise<string[]> {
  const remote = models.filter((m) => m.endpoint.kind === "openai");
  const checks = await Promise.all(remote.map((m) => Promise.all((m.endpoints ?? [m.endpoint as OpenAIEndpoint]).map((e) => checkEndpoint(m, e, options)))));
  const failed: string[] = [];
  const warnings: string[] = [];
  remote.forEach((m, i) => {
    const list = checks[i]!;
    const bad = list.filter((c) => !c.ok);
    const what = options.label?.(m) ?? `model ${m.id}`;
    if (bad.length === list.length) failed.push(...bad.map((c) => `${what}: ${c.url} (model "${c.served}"): ${c.problem}`));
    else for (const c of bad) warnings.push(`${what}: replica ${c.url} did not answer (${c.problem}); its calls go to the other replicas`);
  });
  if (failed.length > 0) {
    throw new UserError(`an endpoint does not answer, so nothing was run:\n  ${failed.join("\n  ")}\n(check that the server is up and the pool's baseURL and model are right; --no-probe skips this check)`, {
      code: "endpoint_unreachable",
      source: "pool",
    });
  }
  return warnings;
}
