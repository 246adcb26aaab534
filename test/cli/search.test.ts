import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseGraph } from "../../src/graph/index.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

describe("tts-graph search and compare", () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });

  it("search with no options runs Agent-REINFORCE on sim:math and prints the best graph, its validated accuracy and the search cost", async () => {
    const r = await runCli(["search"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/found by agent-reinforce on sim:math with pool sim:llama, budget 18 units/);
    expect(r.stdout).toMatch(/flowchart LR/);
    expect(r.stdout).toMatch(/validated accuracy: [\d.]+% \(\d+\/99\), 95% CI \[[\d.]+%, [\d.]+%\]/);
    expect(r.stdout).toMatch(/FLOPs a priori/);
    expect(r.stdout).toMatch(/latency per query: [\d,]+ ms mean on the \d+ validation items/);
    expect(r.stdout).toMatch(/search cost: 800 graph-item evaluations/);
    expect(r.stderr).toMatch(/iteration 3: \d+\/800 evaluations/);
    const out = join(dir, "runs", "sim-math-sim-llama-agent-reinforce-b18-s0");
    const best = parseGraph(JSON.parse(readFileSync(join(out, "best.graph.json"), "utf8")));
    expect(best.nodes.length).toBeGreaterThan(0);
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8"));
    expect(result.best.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(readFileSync(join(out, "events.jsonl"), "utf8").trim().split("\n").length).toBeGreaterThan(50);
  });

  it("--json prints one document, and the same seed gives the same result", async () => {
    const args = ["search", "--task", "sim:mmlu", "--budget", "30", "--evals", "400", "--seed", "3", "--json"];
    const a = await runCli([...args, "--out", join(dir, "a")]);
    const b = await runCli([...args, "--out", join(dir, "b")]);
    expect(a.code).toBe(0);
    const da = JSON.parse(a.stdout);
    const db = JSON.parse(b.stdout);
    expect(da.result.cost.evals.total).toBe(400);
    expect(da.result.best.hash).toBe(db.result.best.hash);
    expect(da.result.best.validation.accuracy).toBe(db.result.best.validation.accuracy);
    expect(existsSync(join(dir, "a", "best.graph.json"))).toBe(true);
  });

  it("exits 2 with a clear message for a method that needs an LLM, a bad config, or a pool that cannot answer the task", async () => {
    const t = await runCli(["search", "--optimizer", "textgrad", "--out", join(dir, "t")]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/textgrad optimizer needs an LLM and none is configured: give --agent/);
    const cfg = join(dir, "bad.yaml");
    writeFileSync(cfg, "budget: -3\nselection:\n  candidates: zero\nwhatever: 1\n");
    const c = await runCli(["search", "--config", cfg, "--out", join(dir, "c")]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain("bad.yaml");
    expect(c.stderr).toMatch(/budget/);
    expect(c.stderr).toMatch(/selection\.candidates/);
    expect(c.stderr).toMatch(/whatever/);
    const p = await runCli(["search", "--task", "arith", "--out", join(dir, "p")]);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/simulated models, which only answer simulated tasks/);
  });

  it("compare runs each method per seed at equal cost and prints mean true accuracy with spread", async () => {
    const r = await runCli(["compare", "--optimizers", "agent-reinforce,random", "--task", "sim:math", "--pool", "sim:llama", "--budget", "18", "--seeds", "2", "--evals", "300", "--truth-items", "2000", "--json"]);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.scoredBy).toBe("simulator");
    expect(d.rows.map((x: { optimizer: string }) => x.optimizer)).toEqual(["agent-reinforce", "random"]);
    expect(d.runs).toHaveLength(4);
    for (const run of d.runs) expect(run.evals).toBe(300);
    for (const row of d.rows) {
      expect(row.min).toBeLessThanOrEqual(row.mean);
      expect(row.max).toBeGreaterThanOrEqual(row.mean);
    }
    expect(d.best.accuracy).toBe(Math.max(...d.runs.map((x: { accuracy: number }) => x.accuracy)));
    expect(r.stderr).toMatch(/\[4\/4\] random seed 1/);
    const text = await runCli(["compare", "--optimizers", "random", "--task", "sim:math", "--seeds", "1", "--evals", "260", "--truth-items", "1000"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/optimizer\s+mean\s+std\s+min-max/);
    expect(text.stdout).toMatch(/best graph found: [\d.]+% by random/);
  });
});

describe("tts-graph search with an LLM agent", () => {
  it("--agent MODEL --agent-url URL reaches the model over HTTP and maps the ablation flags", async () => {
    const { startOpenAIServer } = await import("../helpers/openai-server.js");
    const server = await startOpenAIServer({ models: ["planner"], handler: () => ({ kind: "answer", text: "no JSON, only words" }) });
    try {
      const dir = tempDir();
      const r = await runCli(["search", "--agent", "planner", "--agent-url", server.baseURL, "--evals", "300", "--no-fuser", "--no-insights", "--out", dir, "--json"]);
      expect(r.code).toBe(0);
      const d = JSON.parse(r.stdout);
      expect(d.result.cost.agent.calls).toBe(server.chatRequests().length);
      expect(d.result.cost.agent.fallbacks).toBeGreaterThan(0);
      expect(r.stderr).toMatch(/agent fallback/);
      const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
      expect(config.space.fuser).toBe(false);
      expect(config.optimizerOptions.insights).toBe(false);
      expect(config.agentUrl).toBe(server.baseURL);
      expect(d.result.best.graph.nodes.every((n: { role: string }) => n.role === "assistant")).toBe(true);
    } finally {
      await server.close();
    }
  });
});
