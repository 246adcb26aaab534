/**
 * A small deterministic world for fault tests: models behind the OpenAI-compatible test server that
 * answer the `arith` task by computing the sum or difference in the prompt, each right or wrong by a
 * fixed rule, so accuracy means something and two runs see the same answers. Faults are injected per
 * call: a call is identified by its request body, which retries repeat exactly.
 */
import { createHash } from "node:crypto";
import type { LoadedPool } from "../../src/models/pool.js";
import type { ModelSpec } from "../../src/models/spec.js";
import type { Behaviour, RecordedRequest } from "../helpers/openai-server.js";

/** Stable small hash of a string. */
export function h(s: string): number {
  return createHash("sha256").update(s).digest().readUInt32BE(0);
}

/** The question (`123+456`) of an arith prompt (`123+456=`, `123+456~578=`, `123+456#578,579=`). */
export function questionOf(req: RecordedRequest): string | undefined {
  const last = req.body?.messages?.at(-1)?.content ?? "";
  return /^(\d+[+-]\d+)[=~#]/.exec(last)?.[1];
}

function solve(q: string): number {
  const m = /^(\d+)([+-])(\d+)$/.exec(q)!;
  return m[2] === "+" ? Number(m[1]) + Number(m[3]) : Number(m[1]) - Number(m[3]);
}

/** Which questions each served model gets wrong (by a hash of the question). */
const WRONG_EVERY: Record<string, number> = { weak: 3, mid: 7, flaky: 1_000_000 };

/** The model's answer: the right number, or one off on the questions it gets wrong. */
export function answerFor(model: string, q: string): string {
  const n = WRONG_EVERY[model] ?? 5;
  const right = solve(q);
  return String(h(`${model}|${q}`) % n === 0 ? right + 1 : right);
}

/** A correct-or-wrong answer behaviour for a request. */
export function answer(req: RecordedRequest, extra: Partial<Extract<Behaviour, { kind: "answer" }>> = {}): Behaviour {
  const q = questionOf(req);
  const model = req.body?.model ?? "weak";
  return { kind: "answer", text: q === undefined ? "?" : answerFor(model, q), ...extra };
}

export interface WorldOptions {
  timeoutMs?: number;
  maxRetries?: number;
  /** Include the `flaky` model (as cheap as `weak`, never wrong, but its server fails). */
  flaky?: boolean;
}

/** A pool of served models on one test server. */
export function worldPool(baseURL: string, options: WorldOptions = {}): LoadedPool {
  const endpoint = (model: string): ModelSpec["endpoint"] => ({
    kind: "openai",
    baseURL,
    model,
    concurrency: 32,
    timeoutMs: options.timeoutMs ?? 5_000,
    maxRetries: options.maxRetries ?? 3,
  });
  const models: ModelSpec[] = [
    { id: "weak", family: "t", params: 1e9, layers: 16, hidden: 2048, endpoint: endpoint("weak") },
    { id: "mid", family: "t", params: 3e9, layers: 28, hidden: 3072, endpoint: endpoint("mid") },
  ];
  if (options.flaky) models.push({ id: "flaky", family: "u", params: 1e9, layers: 16, hidden: 2048, endpoint: endpoint("flaky") });
  return { pool: { name: "served", models }, source: "served-pool", baseDir: process.cwd() };
}

/** Counts attempts per call (identified by the request body) so a fault can hit only the first. */
export class AttemptBook {
  private readonly seen = new Map<string, number>();
  /** 1 for the first time this exact request arrives, 2 for its first retry, ... */
  attempt(req: RecordedRequest): number {
    const n = (this.seen.get(req.rawBody) ?? 0) + 1;
    this.seen.set(req.rawBody, n);
    return n;
  }
  clear(): void {
    this.seen.clear();
  }
}
