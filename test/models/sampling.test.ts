/**
 * The `sampling` section: layering (defaults < run < role < pool model), and end to end through the
 * CLI against a real OpenAI-compatible server: a search sends what its config sets, records it in
 * best.graph.json, and `eval` of that graph samples the same way unless a flag overrides it (warned).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callSampling, DEFAULT_SAMPLING, mergeSamplingConfig, samplingForGraph } from "../../src/models/sampling.js";
import { graphSampling } from "../../src/cli/exec-setup.js";
import { runCli } from "../helpers/cli.js";
import { startOpenAIServer, type RecordedRequest, type TestServer } from "../helpers/openai-server.js";
import { tempDir } from "../helpers/tmp.js";
import { adder, FAN_IN, writeArithmeticTask } from "../exec/helpers.js";

describe("sampling layers", () => {
  it("lays run, role and model settings over the defaults, model last", () => {
    const base = { ...DEFAULT_SAMPLING, temperature: 0.2 };
    expect(callSampling(base, undefined, "assistant", {})).toBe(base);
    expect(callSampling(base, { fuser: { temperature: 0 } }, "fuser", {})).toEqual({ temperature: 0, maxTokens: 1024 });
    expect(callSampling(base, { fuser: { temperature: 0, maxTokens: 50 } }, "fuser", { sampling: { maxTokens: 4096 } })).toEqual({ temperature: 0, maxTokens: 4096 });
    expect(callSampling(base, { fuser: { temperature: 0 } }, "assistant", { sampling: { stop: ["\n\n"] } })).toEqual({ temperature: 0.2, maxTokens: 1024, stop: ["\n\n"] });
  });

  it("lays flags over a config section, and leaves no section when neither sets anything", () => {
    expect(mergeSamplingConfig(undefined, {})).toBeUndefined();
    expect(mergeSamplingConfig({ temperature: 0.1, roles: { fuser: { temperature: 0 } } }, { maxTokens: 64, stop: [] })).toEqual({ temperature: 0.1, maxTokens: 64, roles: { fuser: { temperature: 0 } } });
  });

  it("names each recorded value a flag changes, and none a flag repeats", () => {
    const r = samplingForGraph({ temperature: 0.2, maxTokens: 512 }, { temperature: 0.9, maxTokens: 512, topP: 0.5 });
    expect(r.sampling).toEqual({ temperature: 0.9, maxTokens: 512, topP: 0.5 });
    expect(r.overridden).toEqual(["--temperature 0.9 (searched with 0.2)"]);
  });
});

describe("sampling end to end over HTTP", () => {
  const dir = tempDir();
  let server: TestServer;
  let configPath: string;
  let poolPath: string;
  let taskPath: string;

  beforeAll(async () => {
    server = await startOpenAIServer({ models: ["small", "big"], handler: adder() });
    taskPath = writeArithmeticTask(dir, Array.from({ length: 40 }, (_, i) => [i + 1, 3 * i + 2] as [number, number])).path;
    poolPath = join(dir, "pool.yaml");
    const model = (id: string, extra: string[] = []) => [`  - id: ${id}`, "    family: test", `    params: ${id === "big" ? 3e9 : 1e9}`, "    layers: 16", "    hidden: 2048", ...extra, "    endpoint:", "      kind: openai", `      baseURL: ${server.baseURL}`, `      model: ${id}`];
    writeFileSync(poolPath, ["models:", ...model("small"), ...model("big", ["    sampling:", "      maxTokens: 2048"])].join("\n") + "\n");
    configPath = join(dir, "search.json");
    writeFileSync(
      configPath,
      JSON.stringify({ task: taskPath, pool: poolPath, budget: 6, evals: 40, batch: 3, samples: 2, selection: { candidates: 2, items: 4 }, sampling: { temperature: 0.2, topP: 0.9, stop: ["###"] } }),
    );
  });
  afterAll(() => server.close());

  const chats = (): RecordedRequest[] => server.chatRequests();

  it("a search sends its config's sampling (with the flags and the pool model's own laid over it) and records it", async () => {
    const out = join(dir, "run");
    const r = await runCli(["search", "--config", configPath, "--max-tokens", "300", "--out", out, "--no-cache", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const calls = chats();
    expect(calls.length).toBeGreaterThan(10);
    for (const c of calls) {
      expect(c.body).toMatchObject({ temperature: 0.2, top_p: 0.9, stop: ["###"] });
      expect(c.body!.max_tokens).toBe(c.body!.model === "big" ? 2048 : 300);
    }
    expect(calls.some((c) => c.body!.model === "big")).toBe(true);
    const recorded = { temperature: 0.2, topP: 0.9, stop: ["###"], maxTokens: 300 };
    expect(JSON.parse(readFileSync(join(out, "config.json"), "utf8")).sampling).toEqual(recorded);
    expect(JSON.parse(readFileSync(join(out, "best.graph.json"), "utf8")).meta.sampling).toEqual(recorded);

    // eval of the found graph samples as the search did...
    server.resetStats();
    const best = join(out, "best.graph.json");
    const e = await runCli(["eval", best, "--task", taskPath, "--pool", poolPath, "--split", "test", "--limit", "2", "--no-cache", "--json"]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stderr).not.toMatch(/warning/);
    for (const c of chats()) expect(c.body).toMatchObject({ temperature: 0.2, top_p: 0.9, stop: ["###"] });
    // ...unless a flag overrides a recorded value, which is warned about.
    server.resetStats();
    const o = await runCli(["eval", best, "--task", taskPath, "--pool", poolPath, "--split", "test", "--limit", "2", "--temperature", "1", "--no-cache", "--json"]);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stderr).toMatch(/warning: .*best\.graph\.json was searched with other sampling; --temperature 1 \(searched with 0\.2\) overrides it/);
    for (const c of chats()) expect(c.body).toMatchObject({ temperature: 1, top_p: 0.9 });
  });

  it("per-role settings reach the fuser's calls only", async () => {
    server.resetStats();
    const graph = join(dir, "fan-in.json");
    writeFileSync(graph, JSON.stringify({ ...FAN_IN, meta: { sampling: { temperature: 0.3, roles: { fuser: { temperature: 0 } } } } }));
    const r = await runCli(["run", graph, "What is 2 + 5?", "--task", taskPath, "--pool", poolPath, "--no-cache", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const byModel = (m: string) => chats().filter((c) => c.body!.model === m);
    expect(byModel("small")).toHaveLength(3);
    for (const c of byModel("small")) expect(c.body).toMatchObject({ temperature: 0.3, max_tokens: 1024 });
    expect(byModel("big")).toHaveLength(1);
    expect(byModel("big")[0]!.body).toMatchObject({ temperature: 0, max_tokens: 2048 });
  });

  it("will not run graphs recorded with different sampling together unless the flags set the difference", () => {
    const a = { file: "a.json", graph: { ...FAN_IN, meta: { sampling: { temperature: 0.2 } } } };
    const b = { file: "b.json", graph: { ...FAN_IN, meta: { sampling: { temperature: 0.9 } } } };
    const warnings: string[] = [];
    expect(() => graphSampling([a, b], {}, (w) => warnings.push(w))).toThrow(/a\.json and b\.json were searched with different sampling/);
    expect(graphSampling([a, b], { temperature: 0.5 }, (w) => warnings.push(w))).toEqual({ temperature: 0.5 });
    expect(warnings).toHaveLength(2);
    expect(() => graphSampling([{ file: "c.json", graph: { ...FAN_IN, meta: { sampling: { temperature: "hot" } } } }], {}, () => undefined)).toThrow(/c\.json: meta\.sampling\.temperature/);
  });

  it("refuses a config whose sampling is out of range, naming the field", async () => {
    const r = await runCli(["search", "--config", configPath, "--temperature", "7", "--out", join(dir, "bad"), "--json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sampling\.temperature/);
  });
});
