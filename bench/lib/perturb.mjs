// Perturbed copies of the built-in simulator profiles: simulated tasks the search methods were never
// developed on. Each model's ability, reference use, fragility and context tolerance, the item
// difficulty and how closely roles follow their inputs are jittered with a seeded stream.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { builtinSimProfile, generateWorld, Rng } from "tts-graph/sim";

/** Copy `k` (1, 2, ...) of built-in profile `name`, named `NAME_pK`. */
export function perturbedProfile(name, k) {
  const p = structuredClone(builtinSimProfile(name));
  const rng = new Rng(k, "perturb", name);
  const jitter = (x, sd) => x + sd * rng.normal();
  const unit = (x) => Math.min(1, Math.max(0, x));
  p.name = `${name}_p${k}`;
  p.task.difficulty.mean = jitter(p.task.difficulty.mean, 0.3);
  for (const m of p.models) {
    m.ability = jitter(m.ability, 0.35);
    m.referenceUse = jitter(m.referenceUse, 0.4);
    m.fragility = Math.max(0, m.fragility * Math.exp(0.4 * rng.normal()));
    m.contextTokens = m.contextTokens * Math.exp(0.3 * rng.normal());
  }
  p.behaviour.follow.assistant = unit(jitter(p.behaviour.follow.assistant, 0.1));
  p.behaviour.follow.fuser = unit(jitter(p.behaviour.follow.fuser, 0.1));
  return p;
}

/**
 * Write `n` perturbed copies of each built-in task's profile to a new temporary folder. Returns the
 * folder and the task specs (`sim:FILE`); the models keep their ids, so the `sim:llama` pool runs them.
 */
export function writePerturbed(tasks, n) {
  const dir = mkdtempSync(join(tmpdir(), "tts-graph-profiles-"));
  const specs = [];
  for (const t of tasks) {
    const name = t.replace(/^sim:/, "");
    for (let k = 1; k <= n; k++) {
      const file = join(dir, `${name}_p${k}.json`);
      writeFileSync(file, JSON.stringify(perturbedProfile(name, k)));
      specs.push(`sim:${file}`);
    }
  }
  return { dir, specs };
}

/** The name a task is shown by: `sim:math_p1` for a perturbed profile's file. */
export const taskLabel = (spec) => (spec.includes("/") ? `sim:${basename(spec, ".json")}` : spec);

/**
 * Seeds of the generated worlds of the benchmark, fixed after the search methods were: no method was
 * developed or tuned on these worlds.
 */
export const WORLD_SEEDS = Array.from({ length: 40 }, (_, i) => 5001 + i);

/**
 * Write the generated worlds of the first `n` seeds of {@link WORLD_SEEDS} to a new temporary folder.
 * Each is a task and, with all its models, its own pool (`sim:FILE`).
 */
export function writeWorlds(n) {
  const dir = mkdtempSync(join(tmpdir(), "tts-graph-worlds-"));
  const specs = WORLD_SEEDS.slice(0, n).map((seed) => {
    const p = generateWorld(seed);
    const file = join(dir, `${p.name}.json`);
    writeFileSync(file, JSON.stringify(p));
    return `sim:${file}`;
  });
  return { dir, specs };
}
