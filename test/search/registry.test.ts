import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineOptimizer, parseOptimizerOptions, Registry } from "../../src/search/registry.js";
import { optimizers, resolveOptimizer } from "../../src/search/plugins.js";
import { AGENT_REINFORCE_DEFAULTS } from "../../src/search/optimizers/agent-reinforce/optimizer.js";
import { RandomSearch } from "../../src/search/optimizers/random.js";
import { runCli } from "../helpers/cli.js";
import { userError } from "../helpers/errors.js";
import { tempDir } from "../helpers/tmp.js";
import { simSetup } from "./helpers.js";

describe("the optimizer registry", () => {
  it("knows every built-in method, with an options schema whose defaults are the method's own", () => {
    for (const n of ["agent-reinforce", "reinforce", "random", "tpe", "evolution", "textgrad", "maas", "agent-reinforce-no-insights", "agent-reinforce-random-init", "agent-reinforce-no-fuser"]) {
      expect(optimizers.has(n)).toBe(true);
    }
    const { options } = resolveOptimizer({ optimizer: "agent-reinforce", optimizerOptions: {} });
    for (const [k, v] of Object.entries(AGENT_REINFORCE_DEFAULTS)) expect(options[k]).toEqual(v);
    expect(optimizers.get("agent-reinforce").options.shape.probeItems.description).toMatch(/probed/);
  });

  it("rejects an unknown option and a wrong type, naming each key", () => {
    const a = userError(() => resolveOptimizer({ optimizer: "agent-reinforce", optimizerOptions: { elits: 3 } }));
    expect(a.issues.map((i) => i.path)).toEqual(["optimizerOptions.elits"]);
    expect(a.format()).toMatch(/elits: not an option of the agent-reinforce optimizer \(its options: .*elites/);
    const b = userError(() => resolveOptimizer({ optimizer: "agent-reinforce", optimizerOptions: { probeItems: "twelve" } }));
    expect(b.issues.map((i) => i.path)).toEqual(["optimizerOptions.probeItems"]);
    expect(b.format()).toMatch(/optimizerOptions\.probeItems: .*expected number/);
    const c = userError(() => resolveOptimizer({ optimizer: "tpe", optimizerOptions: { nStartupTrials: -1 } }));
    expect(c.issues[0]!.path).toBe("optimizerOptions.nStartupTrials");
    expect(userError(() => resolveOptimizer({ optimizer: "hill", optimizerOptions: {} })).code).toBe("unknown_optimizer");
  });

  it("an unknown or LLM-only agent for Agent-REINFORCE is a user error naming optimizerOptions.agent", () => {
    const unknown = userError(() => simSetup({ optimizerOptions: { agent: "oracle" } }));
    expect(unknown.issues[0]!.path).toBe("optimizerOptions.agent");
    expect(unknown.format()).toMatch(/unknown agent "oracle": expected one of rules, llm/);
    const setup = simSetup({ optimizerOptions: { agent: "llm" } });
    const ctx = { space: setup.space, seed: 0, objective: { kind: "accuracy" as const }, task: { id: "sim:math", style: "math" }, emit: () => {}, options: {} };
    const e = userError(() => setup.optimizer(ctx));
    expect(e.source).toBe("optimizerOptions.agent");
  });

  it("a registry takes a name once, and a definition's schema is strict with its defaults", () => {
    const r = new Registry<{ name: string }>("thing");
    const d = { name: "x" };
    r.register(d);
    r.register(d);
    expect(userError(() => r.register({ name: "x" })).code).toBe("duplicate_thing");
    const def = defineOptimizer({ name: "walk", options: z.object({ step: z.number().int().min(1).default(2) }), create: (ctx) => new RandomSearch(ctx) });
    expect(parseOptimizerOptions(def, {})).toEqual({ step: 2 });
    expect(userError(() => parseOptimizerOptions(def, { step: 0 })).issues[0]!.path).toBe("optimizerOptions.step");
    expect(userError(() => parseOptimizerOptions(defineOptimizer({ name: "none", create: (ctx) => new RandomSearch(ctx) }), { a: 1 })).issues[0]!.message).toMatch(/its options: none/);
  });
});

describe("tts-graph search with bad optimizerOptions", () => {
  it.each([
    [{ polsh: 0.9 }, "optimizerOptions.polsh"],
    [{ probeItems: "twelve" }, "optimizerOptions.probeItems"],
  ])("%j exits 2 naming the key, with no run folder left", async (optimizerOptions, key) => {
    const dir = tempDir();
    const config = join(dir, "c.json");
    writeFileSync(config, JSON.stringify({ evals: 200, optimizerOptions }));
    const r = await runCli(["search", "--config", config, "--out", join(dir, "run")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(key);
    expect(r.stderr).toContain("c.json");
    const c = await runCli(["compare", "--config", config, "--optimizers", "agent-reinforce,random", "--seeds", "1"]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain(key);
  });
});
