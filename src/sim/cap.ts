/**
 * Whether a world's outputs fit the token cap of the search. A call whose output is longer is cut at
 * the cap and loses its answer (every style writes it last), in the search as in the truth; a
 * profile whose answers are that long is measured, but it is probably not what its author meant, so
 * it is said out loud.
 */
import { layeredGraph } from "./graphs.js";
import { simTruth } from "./truth.js";
import type { SimWorld } from "./world.js";

/** Items each model is tried on. */
const CAP_CHECK_ITEMS = 2000;

/**
 * One warning per model (of `models`, default all the world's) whose answers, written alone, exceed
 * `maxTokens` on more than `share` of the items (default 0.5%).
 */
export function outputCapWarnings(world: SimWorld, maxTokens: number, models: readonly string[] = world.models.map((m) => m.id), share = 0.005): string[] {
  const out: string[] = [];
  for (const id of models) {
    if (world.modelIndex(id) === undefined) continue;
    const t = simTruth(world, layeredGraph(id, 1, 1), { items: CAP_CHECK_ITEMS, maxTokens });
    const cut = t.truncatedCalls / t.items;
    if (cut > share) {
      out.push(
        `simulated model ${id} of ${world.profile.name} writes answers longer than the ${maxTokens}-token cap on ${(100 * cut).toFixed(1)}% of items (mean output ${Math.round(world.profile.task.tokens.output * world.models[world.modelIndex(id)!]!.outputScale)} tokens): those outputs are cut and lose their answer, in the search and in the ground truth alike`,
      );
    }
  }
  return out;
}
