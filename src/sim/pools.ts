/**
 * Built-in pools of simulated models: `sim:llama` (1B, 3B, 8B, 70B), `sim:gemma` (1B, 2B, 7B) and
 * `sim:mixed` (all seven). Their FLOPs specs are the paper's; their speeds come from the built-in
 * profiles (the same in each). Any profile also gives the pool of all its models.
 */
import { UserError } from "../errors.js";
import type { FlopsSpec } from "../cost/flops.js";
import type { LoadedPool } from "../models/pool.js";
import type { ModelSpec } from "../models/spec.js";
import { builtinSimProfile, type SimProfile } from "./profile.js";

export const SIM_POOLS = {
  llama: ["llama-1b", "llama-3b", "llama-8b", "llama-70b"],
  gemma: ["gemma-1b", "gemma-2b", "gemma-7b"],
  mixed: ["llama-1b", "llama-3b", "llama-8b", "llama-70b", "gemma-1b", "gemma-2b", "gemma-7b"],
} as const;
export type SimPoolName = keyof typeof SIM_POOLS;

function spec(m: SimProfile["models"][number]): ModelSpec {
  return { id: m.id, family: m.family, params: m.params, layers: m.layers, hidden: m.hidden, speed: m.speed, endpoint: { kind: "sim" } };
}

/** The pool of a profile's models (all of them, or the listed ids). */
export function profilePool(profile: SimProfile, source: string, ids?: readonly string[]): LoadedPool {
  const byId = new Map(profile.models.map((m) => [m.id, m]));
  const models = (ids ?? profile.models.map((m) => m.id)).map((id) => {
    const m = byId.get(id);
    if (!m) throw new UserError(`pool ${source}: profile ${profile.name} has no model "${id}"`, { code: "unknown_model", source });
    return spec(m);
  });
  return { pool: { name: source, models }, source, baseDir: process.cwd() };
}

/** A built-in simulated pool by name (`llama`, `gemma`, `mixed`). */
export function simPool(name: string): LoadedPool {
  if (!(name in SIM_POOLS)) {
    throw new UserError(`unknown simulated pool "sim:${name}": expected ${Object.keys(SIM_POOLS).map((k) => "sim:" + k).join(", ")} or sim:PROFILE.json`, {
      code: "unknown_pool",
      source: "--pool",
    });
  }
  return profilePool(builtinSimProfile("math"), `sim:${name}`, SIM_POOLS[name as SimPoolName]);
}

/**
 * How a pool's model ids map onto a world's simulated models (a model's endpoint `profile`, else its
 * id), and the pool's FLOPs specs: what the ground truth needs to score a graph written with the pool's ids.
 */
export function poolSimMaps(loaded: LoadedPool): { modelMap: Map<string, string>; specs: Map<string, FlopsSpec> } {
  return {
    modelMap: new Map(loaded.pool.models.map((m) => [m.id, m.endpoint.kind === "sim" ? (m.endpoint.profile ?? m.id) : m.id])),
    specs: new Map(loaded.pool.models.map((m) => [m.id, { id: m.id, family: m.family, params: m.params, layers: m.layers, hidden: m.hidden }])),
  };
}
