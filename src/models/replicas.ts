/**
 * Several servers of one model (`endpoints: [...]` in the pool): replicas of the same weights, so
 * any of them may answer any call and the model's FLOPs do not depend on which did.
 *
 * Routing: each item has a home replica (rendezvous hashing of the item id over the healthy
 * replicas), so the calls of one item (its nodes share the question, often a long few-shot prefix)
 * land where the server's prefix cache holds it, and a replica taken out moves only its own items.
 * When the home replica's slots are all taken and another healthy replica has a free one, the call
 * goes there instead (spread by load). A replica whose attempt fails for a reason of its own
 * (connection, timeout, 5xx, 429) is taken out for a cool-down that doubles with each further
 * failure; the retry of the call then goes to another replica.
 */
import { hashString, mixKeys } from "../util/rng.js";
import { ProviderCallError } from "./errors.js";
import type { Semaphore } from "./limiter.js";
import type { CallRequest, CallResult, Provider } from "./provider.js";

export interface Replica {
  /** Position in the model's `endpoints` list. */
  readonly index: number;
  /** e.g. `http://10.0.0.2:8000/v1`. */
  readonly url: string;
  readonly limit: Semaphore;
  /** One attempt at this replica (no retries, no limit). */
  readonly attempt: Provider;
}

export interface ReplicaOptions {
  /** First cool-down of a failed replica (default 5 s), doubled per further failure up to `maxCooldownMs`. */
  cooldownMs?: number | undefined;
  maxCooldownMs?: number | undefined;
  /** Clock, injectable for tests. */
  now?: (() => number) | undefined;
}

export const DEFAULT_REPLICA_COOLDOWN_MS = 5_000;
export const DEFAULT_REPLICA_MAX_COOLDOWN_MS = 60_000;

interface Health {
  downUntil: number;
  /** Failures in a row; the cool-down doubles with each. */
  failures: number;
}

/** Whether a failed attempt says something about the replica rather than the request. */
export function replicaAtFault(err: unknown): boolean {
  if (!(err instanceof ProviderCallError)) return false;
  if (err.status === undefined) return err.isRetryable;
  return err.status === 429 || err.status >= 500;
}

/** Calls spread over replicas: see the module comment. Calls made here are counted per replica. */
export class ReplicaSet {
  private readonly health: Health[];
  private readonly cooldownMs: number;
  private readonly maxCooldownMs: number;
  private readonly now: () => number;
  /** Attempts sent to each replica. */
  readonly sent: number[];

  constructor(
    readonly modelId: string,
    readonly replicas: readonly Replica[],
    options: ReplicaOptions = {},
  ) {
    if (replicas.length === 0) throw new RangeError(`model ${modelId} has no endpoint`);
    this.health = replicas.map(() => ({ downUntil: 0, failures: 0 }));
    this.sent = replicas.map(() => 0);
    this.cooldownMs = options.cooldownMs ?? DEFAULT_REPLICA_COOLDOWN_MS;
    this.maxCooldownMs = options.maxCooldownMs ?? DEFAULT_REPLICA_MAX_COOLDOWN_MS;
    this.now = options.now ?? Date.now;
  }

  /** The replica for a call of `itemKey`: its healthy home, else a healthy one with a free slot, else the one back soonest. */
  pick(itemKey: string): Replica {
    if (this.replicas.length === 1) return this.replicas[0]!;
    const now = this.now();
    const healthy = this.replicas.filter((r) => this.health[r.index]!.downUntil <= now);
    if (healthy.length === 0) return this.replicas.reduce((a, b) => (this.health[b.index]!.downUntil < this.health[a.index]!.downUntil ? b : a));
    const key = hashString(itemKey);
    let home = healthy[0]!;
    let best = -1;
    for (const r of healthy) {
      const score = mixKeys(key, r.index);
      if (score > best) [best, home] = [score, r];
    }
    if (home.limit.inUse < home.limit.limit) return home;
    let spare: Replica | undefined;
    for (const r of healthy) if (r.limit.inUse < r.limit.limit && (!spare || r.limit.inUse / r.limit.limit < spare.limit.inUse / spare.limit.limit)) spare = r;
    return spare ?? home;
  }

  /** One attempt: pick a replica, hold one of its slots, and note how the replica did. */
  async generate(request: CallRequest): Promise<CallResult> {
    // Calls outside a graph (an optimizer agent's) have no item: they are keyed by their last message.
    const m = request.metadata;
    const r = this.pick(m ? `${m.taskId}\u0000${m.item.id}` : (request.messages.at(-1)?.content ?? ""));
    this.sent[r.index]!++;
    try {
      const result = await r.limit.run(() => r.attempt.generate(request), request.signal);
      this.health[r.index]!.failures = 0;
      return result;
    } catch (err) {
      if (replicaAtFault(err) && this.replicas.length > 1) {
        const h = this.health[r.index]!;
        h.failures++;
        h.downUntil = this.now() + Math.min(this.maxCooldownMs, this.cooldownMs * 2 ** (h.failures - 1));
      }
      throw err;
    }
  }
}
