/**
 * Splits end to end: a search run on a JSONL task against a real OpenAI-compatible test server,
 * then `eval` of its graph, which scores the run's held-out items by default and refuses the ones
 * the search used; `eval --split all` scores every item (the whole GSM8K test set when the data
 * folder is present).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../helpers/cli.js";
import { startOpenAIServer, type TestServer } from "../helpers/openai-server.js";
import { tempDir } from "../helpers/tmp.js";
import { adder, SINGLE, writeArithmeticTask } from "../exec/helpers.js";

const dir = tempDir();
const pairs: [number, number][] = Array.from({ length: 40 }, (_, i) => [i + 1, 2 * i + 3]);
const { path: taskPath } = writeArithmeticTask(dir, pairs);
const poolPath = join(dir, "pool.yaml");
const runDir = join(dir, "run");
let server: TestServer;

function writePool(baseURL: string): void {
  const model = (id: string, params: number) => [`  - id: ${id}`, "    family: test", `    params: ${params}`, "    layers: 16", "    hidden: 2048", "    endpoint:", "      kind: openai", `      baseURL: ${baseURL}`, `      model: ${id}`];
  writeFileSync(poolPath, ["models:", ...model("small", 1e9), ...model("big", 3e9)].join("\n") + "\n");
}

beforeAll(async () => {
  // It lists the pool's models, so the endpoint check before each run needs no chat.
  server = await startOpenAIServer({ models: ["small", "big"] });
  // Wrong on every third question, so scores are not all 100%; the last question has no readable answer.
  server.setHandler((req) => {
    const text = req.body?.messages?.at(-1)?.content ?? "";
    if (text.includes("What is 40 + 81?")) return { kind: "answer", text: "I am not sure how to add these." };
    return adder((a) => a % 3 === 0)(req);
  });
  writePool(server.baseURL);
  const config = join(dir, "search.yaml");
  writeFileSync(config, `task: ${taskPath}\npool: ${poolPath}\nevals: 60\nbudget: 6\nselection:\n  candidates: 2\n  items: 4\nsplits:\n  search: 12\n  validation: 6\n  seed: 5\n`);
  const r = await runCli(["search", "--config", config, "--no-cache", "--out", runDir]);
  if (r.code !== 0) throw new Error(`search failed: ${r.stderr}`);
}, 120_000);
afterAll(() => server.close());

const json = (stdout: string) => JSON.parse(stdout) as { items: number; split: string; run: string | null; overlap: number; correct: number; unreadable: number; errored: number; itemResults: { id: string; unreadable: boolean; correct: boolean }[] };

describe("eval of a search run's graph", () => {
  it("records the splits in the run and scores the run's held-out items by default", async () => {
    const recorded = JSON.parse(readFileSync(join(runDir, "config.json"), "utf8"));
    expect(recorded.splits).toEqual({ search: 12, validation: 6, seed: 5 });
    const r = await runCli(["eval", runDir, "--no-cache", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = json(r.stdout);
    expect(doc).toMatchObject({ split: "test", items: 22, overlap: 0, run: runDir });
    const searched = new Set<string>();
    for (const line of readFileSync(join(runDir, "events.jsonl"), "utf8").trim().split("\n")) {
      const e = JSON.parse(line);
      if (e.type === "iteration.started") for (const id of e.items) searched.add(id);
    }
    expect(searched.size).toBeGreaterThan(0);
    expect(doc.itemResults.filter((i) => searched.has(i.id))).toEqual([]);
  });

  it("keeps the same held-out items whatever --seed is (it seeds sampling, not splits)", async () => {
    const a = json((await runCli(["eval", join(runDir, "best.graph.json"), "--no-cache", "--json"])).stdout);
    const b = json((await runCli(["eval", join(runDir, "best.graph.json"), "--no-cache", "--json", "--seed", "1"])).stdout);
    expect(b.itemResults.map((i) => i.id)).toEqual(a.itemResults.map((i) => i.id));
  });

  it("refuses items the search used (exit 2), and scores them with --allow-overlap and a warning", async () => {
    const all = await runCli(["eval", runDir, "--split", "all", "--no-cache"]);
    expect(all.code).toBe(2);
    expect(all.stderr).toMatch(/18 of the 40 items of the all split were used by the search in .*--allow-overlap/);
    const search = await runCli(["eval", runDir, "--split", "search", "--no-cache"]);
    expect(search.code).toBe(2);
    const forced = await runCli(["eval", runDir, "--split", "all", "--allow-overlap", "--no-cache", "--json"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain("warning: 18 of the 40 items were used by the search");
    expect(json(forced.stdout)).toMatchObject({ items: 40, overlap: 18 });
  });

  it("counts an output with no readable answer apart, in text and JSON", async () => {
    const graph = join(dir, "single.json");
    writeFileSync(graph, JSON.stringify(SINGLE));
    const r = await runCli(["eval", graph, "--task", taskPath, "--style", "number", "--pool", poolPath, "--split", "all", "--no-cache", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = json(r.stdout);
    expect(doc.items).toBe(40);
    expect(doc.unreadable).toBe(1);
    expect(doc.itemResults.find((i) => i.id === "q39")).toMatchObject({ unreadable: true, correct: false });
    const text = await runCli(["eval", graph, "--task", taskPath, "--style", "number", "--pool", poolPath, "--split", "all", "--no-cache"]);
    expect(text.stdout).toMatch(/no answer: 1 of the \d+ wrong items had no readable answer/);
    expect(text.stdout).toContain("every item: 40 items");
  });
});

const DATA = process.env.TTS_GRAPH_DATA ?? join(ROOT, "..", "shared", "datasets");
const hasGsm8k = existsSync(join(DATA, "gsm8k", "test.jsonl"));
if (!hasGsm8k) console.log(`skipping eval --split all on GSM8K: ${join(DATA, "gsm8k", "test.jsonl")} not found (benchmark data lives in ../shared/datasets beside the repository, or TTS_GRAPH_DATA)`);

describe.skipIf(!hasGsm8k)("eval --split all on GSM8K", () => {
  it("scores all 1,319 items", async () => {
    const graph = join(dir, "one.json");
    writeFileSync(graph, JSON.stringify(SINGLE));
    // Every answer is 42: few are right, but every item is scored and none is unreadable.
    server.setHandler(() => ({ kind: "answer", text: "The answer is 42." }));
    const r = await runCli(["eval", graph, "--task", "gsm8k", "--data", DATA, "--pool", poolPath, "--split", "all", "--no-cache", "--json", "--concurrency", "32"], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    const doc = json(r.stdout);
    expect(doc).toMatchObject({ items: 1319, split: "all", unreadable: 0, errored: 0 });
    expect(doc.correct).toBeLessThan(100);
  }, 300_000);
});
