/**
 * Resuming a search over real HTTP models (the scriptable OpenAI-compatible test server): replayed
 * evaluations call no model, with or without the response cache, and with the cache that the
 * interrupted run filled the resume calls no model at all.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJournal } from "../../src/runs/journal.js";
import type { RecordedEvent } from "../../src/search/events.js";
import { runCli } from "../helpers/cli.js";
import { startOpenAIServer, type TestServer } from "../helpers/openai-server.js";
import { tempDir } from "../helpers/tmp.js";
import { adder, writeArithmeticTask } from "../exec/helpers.js";

const dir = tempDir();
let server: TestServer;
const configPath = join(dir, "search.json");
const full = join(dir, "full");
const cache = join(dir, "cache.sqlite");

/** Each evaluation of a journal with the model calls it made. */
function calls(events: readonly RecordedEvent[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of events) if (e.type === "eval.batch") for (const o of e.items) m.set(`${e.split}/${e.hash}/${o.itemId}`, o.calls);
  return m;
}

/** A copy of the finished run cut to its first `lines` events, as a crash would leave it. */
function cutCopy(name: string, lines: number): string {
  const d = join(dir, name);
  mkdirSync(d);
  cpSync(join(full, "config.json"), join(d, "config.json"));
  const text = readFileSync(join(full, "events.jsonl"), "utf8").split("\n");
  writeFileSync(join(d, "events.jsonl"), text.slice(0, lines).join("\n") + "\n");
  return d;
}

beforeAll(async () => {
  server = await startOpenAIServer({ models: ["small", "big"], handler: adder((a) => a % 3 === 0) });
  const pairs = Array.from({ length: 60 }, (_, i) => [i + 1, 2 * i + 3] as [number, number]);
  const { path: taskPath } = writeArithmeticTask(dir, pairs);
  const poolPath = join(dir, "pool.yaml");
  writeFileSync(
    poolPath,
    ["models:", ...["small", "big"].flatMap((id) => [`  - id: ${id}`, "    family: test", `    params: ${id === "big" ? 3e9 : 1e9}`, "    layers: 16", "    hidden: 2048", "    endpoint:", "      kind: openai", `      baseURL: ${server.baseURL}`, `      model: ${id}`, "      maxRetries: 0"])].join("\n") + "\n",
  );
  writeFileSync(configPath, JSON.stringify({ task: taskPath, pool: poolPath, budget: 6, evals: 70, batch: 3, samples: 2, selection: { candidates: 2, items: 4 } }));
});
afterAll(() => server.close());

describe("resuming a search over real models", () => {
  it("replays the journal without calling any model, and the cache the first run filled serves everything else", async () => {
    const first = await runCli(["search", "--config", configPath, "--out", full, "--cache", cache, "--json"]);
    expect(first.code, first.stderr).toBe(0);
    const requests = server.chatRequests().length;
    expect(requests).toBeGreaterThan(0);
    const all = calls(readJournal(join(full, "events.jsonl")).events);
    expect([...all.keys()]).toHaveLength(70);
    const lines = readFileSync(join(full, "events.jsonl"), "utf8").split("\n").length - 1;

    // Warm cache: the evaluations missing from the cut journal are all in the cache.
    server.resetStats();
    const warm = cutCopy("warm", Math.floor(lines / 2));
    const r = await runCli(["search", "--resume", warm, "--cache", cache, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(server.chatRequests()).toHaveLength(0);
    // The progress line counts the cache's own lookups: every one after the replay is a hit.
    expect(r.stderr).toMatch(/cache 100\.0% hits/);
    expect(r.stderr).not.toMatch(/cache (?!100\.0%)\d+\.\d% hits/);
    expect(readFileSync(join(warm, "events.jsonl"), "utf8")).toBe(readFileSync(join(full, "events.jsonl"), "utf8"));
    expect(readFileSync(join(warm, "result.json"), "utf8")).toBe(readFileSync(join(full, "result.json"), "utf8"));
  });

  it("without the cache, calls the models exactly for the evaluations the journal does not hold; a new cache calls no more than that", async () => {
    const lines = readFileSync(join(full, "events.jsonl"), "utf8").split("\n").length - 1;
    const keep = Math.floor(lines / 3);
    const cold = cutCopy("cold", keep);
    const replayable = calls(readJournal(join(cold, "events.jsonl")).events);
    expect(replayable.size).toBeGreaterThan(0);
    server.resetStats();
    const r = await runCli(["search", "--resume", cold, "--no-cache", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.resumed.replayedEvaluations).toBe(replayable.size);
    expect(r.stderr).toContain(`replayed ${replayable.size} evaluations`);
    const after = calls(readJournal(join(cold, "events.jsonl")).events);
    expect(after.size).toBe(70);
    let expected = 0;
    for (const [k, n] of after) if (!replayable.has(k)) expected += n;
    expect(server.chatRequests()).toHaveLength(expected);

    const fresh = cutCopy("fresh-cache", keep);
    server.resetStats();
    const f = await runCli(["search", "--resume", fresh, "--cache", join(dir, "new-cache.sqlite"), "--json"]);
    expect(f.code, f.stderr).toBe(0);
    expect(server.chatRequests().length).toBeGreaterThan(0);
    expect(server.chatRequests().length).toBeLessThanOrEqual(expected);
  });
});
