/**
 * The paper's per-call FLOPs formula, kept exactly. For a model with M parameters, L layers and
 * hidden size D, a call with Np prompt tokens and Nd generated tokens costs
 *
 *     F_prefill = 2·M·Np + 2·L·D·Np·(Np+1)
 *     F_decode  = 2·M·Nd + 2·L·D·Nd·(2·Np + Nd + 1)
 *
 * (the sums over positions of 2M for the weights plus 4·L·D·t for attention over t cached tokens).
 */

/** Dollar prices of a hosted model, per million tokens. */
export interface Pricing {
  inputPerMTok: number;
  outputPerMTok: number;
}

/** What the cost model needs to know about a model. */
export interface FlopsSpec {
  id: string;
  family: string;
  /** Parameter count M. */
  params: number;
  /** Transformer layers L. */
  layers: number;
  /** Hidden size D. */
  hidden: number;
  pricing?: Pricing | undefined;
}

export interface CallFlops {
  prefill: number;
  decode: number;
  total: number;
}

/** FLOPs of one call with `promptTokens` in and `outputTokens` out. */
export function callFlops(model: Pick<FlopsSpec, "params" | "layers" | "hidden">, promptTokens: number, outputTokens: number): CallFlops {
  const M = model.params;
  const LD = model.layers * model.hidden;
  const Np = promptTokens;
  const Nd = outputTokens;
  const prefill = 2 * M * Np + 2 * LD * Np * (Np + 1);
  const decode = 2 * M * Nd + 2 * LD * Nd * (2 * Np + Nd + 1);
  return { prefill, decode, total: prefill + decode };
}

/** Dollars of one call, or undefined when the model has no pricing. */
export function callDollars(model: Pick<FlopsSpec, "pricing">, promptTokens: number, outputTokens: number): number | undefined {
  if (!model.pricing) return undefined;
  return (promptTokens * model.pricing.inputPerMTok + outputTokens * model.pricing.outputPerMTok) / 1e6;
}

/** Throughput of a model, for a-priori latency: a call takes overhead + Np/prefill + Nd/decode. */
export interface SpeedSpec {
  prefillTokensPerSec: number;
  decodeTokensPerSec: number;
  overheadMs?: number | undefined;
}

/** Latency in ms of one call, from a speed spec. */
export function callLatencyMs(speed: SpeedSpec, promptTokens: number, outputTokens: number): number {
  return (speed.overheadMs ?? 0) + (1000 * promptTokens) / speed.prefillTokensPerSec + (1000 * outputTokens) / speed.decodeTokensPerSec;
}
