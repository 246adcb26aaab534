/**
 * The committed profiles against the paper's pilot data (scripts/data/pilot.json, fitted by
 * scripts/calibrate-sim.ts): recomputed here, from the profiles, every run.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { builtinSimProfile, createSimWorld, multisetAccuracy, singleAccuracy } from "../../src/sim/index.js";

interface Pilot {
  tolerance: { single: number; combination: number };
  tasks: Record<string, { single: Record<string, number>; combinations: { counts: Record<string, number>; accuracy: number }[] }>;
}
const pilot = JSON.parse(readFileSync(fileURLToPath(new URL("../../scripts/data/pilot.json", import.meta.url)), "utf8")) as Pilot;

describe.each(Object.keys(pilot.tasks))("sim:%s is calibrated to the paper's pilot data", (name) => {
  const world = createSimWorld(builtinSimProfile(name), 0);
  const t = pilot.tasks[name]!;

  it.each(Object.entries(t.single))(`%s alone within ${pilot.tolerance.single} points`, (model, target) => {
    const sim = 100 * singleAccuracy(world, model, 40_000).accuracy;
    expect(Math.abs(sim - target), `${model}: simulated ${sim.toFixed(1)}, pilot ${target}`).toBeLessThanOrEqual(pilot.tolerance.single);
  });

  it.each(t.combinations.map((c) => [Object.entries(c.counts).map(([m, k]) => `${k}x${m}`).join(" + "), c] as const))(
    `random graphs of %s within ${pilot.tolerance.combination} points`,
    (label, c) => {
      const models = Object.entries(c.counts).flatMap(([m, k]) => Array.from({ length: k }, () => m));
      const sim = 100 * multisetAccuracy(world, models, 6000).accuracy;
      expect(Math.abs(sim - c.accuracy), `${label}: simulated ${sim.toFixed(1)}, pilot ${c.accuracy}`).toBeLessThanOrEqual(pilot.tolerance.combination);
    },
  );
});
