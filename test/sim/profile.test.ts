import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PAPER_MODELS, PAPER_TASKS } from "../../src/cost/paper.js";
import { planCost } from "../../src/cost/plan.js";
import { loadGraphFile } from "../../src/graph/io.js";
import { toCostModel } from "../../src/models/spec.js";
import { resolvePool, resolveTask, resolveTaskTokens } from "../../src/resolve.js";
import { BUILTIN_SIM_PROFILES, builtinProfileDir } from "../../src/sim/profile.js";
import { builtinSimProfile, loadSimProfile } from "../../src/sim/index.js";
import { tempDir } from "../helpers/tmp.js";
import { userError } from "../helpers/errors.js";

const dir = tempDir("tts-graph-sim-profile-");
const math = JSON.parse(readFileSync(join(builtinProfileDir(), "math.json"), "utf8"));

function write(name: string, data: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof data === "string" ? data : JSON.stringify(data, null, 2));
  return p;
}


describe("built-in profiles", () => {
  it.each(BUILTIN_SIM_PROFILES)("%s covers the seven models with the paper's FLOPs specs and token constants", (name) => {
    const p = builtinSimProfile(name);
    expect(p.models.map((m) => m.id)).toEqual(PAPER_MODELS.map((m) => m.id));
    for (const m of p.models) {
      const paper = PAPER_MODELS.find((x) => x.id === m.id)!;
      expect({ family: m.family, params: m.params, layers: m.layers, hidden: m.hidden }).toEqual({ family: paper.family, params: paper.params, layers: paper.layers, hidden: paper.hidden });
    }
    const t = resolveTask(`sim:${name}`).tokens;
    expect(t.promptTokens).toBe(PAPER_TASKS[name]!.promptTokens);
    expect(t.outputTokens).toBe(PAPER_TASKS[name]!.outputTokens);
    expect(t.unitFlops).toBe(PAPER_TASKS[name]!.unitFlops);
    expect(resolveTaskTokens(`sim:${name}`)).toEqual(t);
  });

  it("gives the paper's budget 18 on sim:math for the b = 4 reference graph", () => {
    const graph = loadGraphFile("examples/graphs/paper-reference-b4.json");
    const plan = planCost(graph, { models: resolvePool("sim:llama").pool.models.map(toCostModel), tokens: resolveTaskTokens("sim:math") });
    expect(plan.units.toFixed(3)).toBe("17.753");
  });

  it("styles: math, choice with 4 options, code", () => {
    expect(builtinSimProfile("math").task.style).toBe("math");
    expect(builtinSimProfile("mmlu").task).toMatchObject({ style: "choice", choices: 4 });
    expect(builtinSimProfile("humaneval").task.style).toBe("code");
  });
});

describe("pools", () => {
  it("sim:llama, sim:gemma and sim:mixed hold the simulated models with speeds", () => {
    expect(resolvePool("sim:llama").pool.models.map((m) => m.id)).toEqual(["llama-1b", "llama-3b", "llama-8b", "llama-70b"]);
    expect(resolvePool("sim:gemma").pool.models.map((m) => m.id)).toEqual(["gemma-1b", "gemma-2b", "gemma-7b"]);
    const mixed = resolvePool("sim:mixed").pool.models;
    expect(mixed).toHaveLength(7);
    for (const m of mixed) {
      expect(m.endpoint).toEqual({ kind: "sim" });
      expect(m.speed?.decodeTokensPerSec).toBeGreaterThan(0);
    }
    expect(resolvePool(undefined).source).toBe("sim:llama");
    expect(resolvePool("paper").pool.models).toHaveLength(7);
  });

  it("an unknown simulated pool is a user error listing the choices", () => {
    expect(userError(() => resolvePool("sim:qwen")).message).toMatch(/sim:llama, sim:gemma, sim:mixed/);
  });

  it("a profile file is also a pool of all its models", () => {
    const p = write("pool-profile.json", { ...math, name: "custom" });
    expect(resolvePool(`sim:${p}`).pool.models).toHaveLength(7);
  });
});

describe("profile validation", () => {
  it("a user profile loads as a task", () => {
    const p = write("ok.json", { ...math, name: "custom" });
    const task = resolveTask(`sim:${p}`);
    expect(task.id).toBe(`sim:${p}`);
    expect(task.items("search")[0]!.id).toBe("custom-search-0");
  });

  const cases: [string, (p: typeof math) => unknown, RegExp][] = [
    ["missing output tokens", (p) => ({ ...p, task: { ...p.task, tokens: { prompt: 202 } } }), /task\.tokens\.output/],
    ["negative difficulty spread", (p) => ({ ...p, task: { ...p.task, difficulty: { mean: 0, sd: -1 } } }), /task\.difficulty\.sd/],
    ["a model without speed", (p) => ({ ...p, models: p.models.map((m: Record<string, unknown>, i: number) => (i === 2 ? { ...m, speed: undefined } : m)) }), /models\[2\]\.speed/],
    ["an unknown field", (p) => ({ ...p, behaviour: { ...p.behaviour, temperature: 0.7 } }), /behaviour/],
    ["a duplicated model id", (p) => ({ ...p, models: [...p.models, p.models[0]] }), /models\[7\]\.id/],
    ["choice style without choices", (p) => ({ ...p, task: { ...p.task, style: "choice", wrongAnswers: { ...p.task.wrongAnswers, unique: 0 } } }), /task\.choices/],
    ["one-off answers in choice style", (p) => ({ ...p, task: { ...p.task, style: "choice", choices: 5, wrongAnswers: { ...p.task.wrongAnswers, plausible: 4, unique: 0.3 } } }), /task\.wrongAnswers\.unique/],
    ["a wrong version", (p) => ({ ...p, version: 2 }), /version/],
    ["fusers that elaborate more than writers", (p) => ({ ...p, behaviour: { ...p.behaviour, elaboration: { assistant: 0.2, fuser: 0.5 } } }), /behaviour\.elaboration\.fuser.*must not exceed elaboration\.assistant/],
  ];

  it.each(cases)("%s is a user error naming the file and the field", (name, mutate, field) => {
    const p = write(`${name.replace(/\W+/g, "-")}.json`, mutate(structuredClone(math)));
    const err = userError(() => loadSimProfile(p));
    expect(err.source).toBe(p);
    expect(err.format()).toContain(p);
    expect(err.format()).toMatch(field);
    // The same error reaches a user who names the profile as a task.
    expect(userError(() => resolveTask(`sim:${p}`)).format()).toMatch(field);
  });

  it("a syntax error names the line, and a missing file says so", () => {
    const p = write("syntax.json", '{\n  "version": 1,\n  "name": "x",,\n}');
    expect(userError(() => loadSimProfile(p)).message).toMatch(/not valid JSON at line 3/);
    expect(userError(() => resolveTask(`sim:${join(dir, "absent.json")}`)).message).toMatch(/does not exist/);
  });

  it("an unknown built-in is a user error listing the built-ins", () => {
    expect(userError(() => resolveTask("sim:gsm8k")).message).toMatch(/sim:math, sim:mmlu, sim:humaneval/);
  });
});
