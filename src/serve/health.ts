/**
 * Readiness: the server is ready once every pool model its graphs call has answered a probe. An
 * OpenAI-compatible endpoint is probed by listing its models (cheap, no generation, and a server
 * such as vLLM answers it only once its model is loaded); in-process models (simulator, GGUF) are
 * ready at once. A model that did not answer is probed again, at most once per `retryMs`, when
 * readiness is next asked.
 */
import type { OpenAIEndpoint } from "../models/openai.js";
import { checkEndpoint } from "../models/preflight.js";
import type { ModelSpec } from "../models/spec.js";

export type ModelHealth = { state: "ready" } | { state: "probing" } | { state: "unreachable"; error: string };

export interface Readiness {
  ready: boolean;
  models: Record<string, ModelHealth>;
}

/** Probe one model by listing its servers' models; ready when any replica answers. Never rejects. */
export async function probeModel(model: ModelSpec, timeoutMs = 5000): Promise<ModelHealth> {
  if (model.endpoint.kind !== "openai") return { state: "ready" };
  const endpoints = (model.endpoints ?? [model.endpoint]) as OpenAIEndpoint[];
  const checks = await Promise.all(endpoints.map((e) => checkEndpoint(model, { ...e, timeoutMs: Math.min(e.timeoutMs ?? timeoutMs, timeoutMs), maxRetries: 0 }, { listOnly: true })));
  if (checks.some((c) => c.ok)) return { state: "ready" };
  return { state: "unreachable", error: checks.map((c) => `${c.url}: ${c.problem ?? "no answer"}`).join("; ") };
}

/** Tracks the readiness of a set of models, probing them at start and again while any is not ready. */
export class HealthTracker {
  private readonly health = new Map<string, ModelHealth>();
  private lastProbe = 0;
  private probing: Promise<void> | undefined;

  constructor(
    private readonly models: readonly ModelSpec[],
    private readonly retryMs = 2000,
    private readonly probe: (m: ModelSpec) => Promise<ModelHealth> = probeModel,
  ) {
    for (const m of models) this.health.set(m.id, { state: "probing" });
  }

  /** Probe every model not yet ready (at most once per `retryMs`); resolves when the probes are done. */
  refresh(): Promise<void> {
    if (this.probing) return this.probing;
    const pending = this.models.filter((m) => this.health.get(m.id)?.state !== "ready");
    if (pending.length === 0 || Date.now() - this.lastProbe < this.retryMs) return Promise.resolve();
    this.lastProbe = Date.now();
    this.probing = Promise.all(pending.map(async (m) => this.health.set(m.id, await this.probe(m)))).then(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  /** Where things stand, after a fresh probe of the models not ready. */
  async readiness(): Promise<Readiness> {
    await this.refresh();
    const models = Object.fromEntries(this.health);
    return { ready: [...this.health.values()].every((h) => h.state === "ready"), models };
  }
}
