/**
 * Agent faults: a real chat-completions server on 127.0.0.1 plays the optimizer agent and gives one
 * kind of bad reply every time. Each reply is rejected with a logged reason (agent.rejected, with the
 * issue's code and path); after a bounded number of attempts per iteration the rule agent's decision
 * is used and the log says so (agent.fallback). A search whose LLM agent always fails ends exactly
 * where the rule agent alone ends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoadedPool } from "../../src/models/pool.js";
import { resolvePool, resolveProviders, resolveTask } from "../../src/resolve.js";
import { parseSearchConfig, type SearchConfigInput } from "../../src/search/config.js";
import { Journal } from "../../src/search/events.js";
import { runSearch, type SearchResult } from "../../src/search/harness.js";
import { buildSearch } from "../../src/search/setup.js";
import { startOpenAIServer, type Behaviour, type TestServer } from "../helpers/openai-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startOpenAIServer({ models: ["planner"] });
});
afterAll(() => server.close());

const BASE: SearchConfigInput = { task: "sim:mmlu", evals: 300, seed: 1, selection: { candidates: 2, items: 10 } };

function setup(config: SearchConfigInput) {
  const c = parseSearchConfig({ ...BASE, ...config });
  const task = resolveTask(c.task, {});
  const pool: LoadedPool = resolvePool(c.pool);
  // Short HTTP backoff: the agent server's own failures are retried before the agent sees them.
  return buildSearch(c, { task, pool, providers: resolveProviders(pool, { task, openai: { retry: { initialDelayMs: 1, maxDelayMs: 2 } } }) });
}

const reply = (value: unknown): Behaviour => ({ kind: "answer", text: typeof value === "string" ? value : JSON.stringify(value) });

interface Case {
  name: string;
  /** The reply, given the number of worker slots of the search space. */
  behaviour: Behaviour | ((slots: number) => Behaviour);
  /** Issue code every rejected update reply carries. */
  code: string;
  /** Pattern of the path or message of one of its issues. */
  detail: RegExp;
}

const CASES: Case[] = [
  { name: "prose instead of JSON", behaviour: reply("I would strengthen the edge from w0 to the output; it clearly helped."), code: "not_json", detail: /no JSON object found/ },
  { name: "JSON that fails the schema", behaviour: reply({ feedback: "", changes: [{ op: "teleport", node: "w0" }] }), code: "too_small", detail: /^feedback|changes\[0\]/ },
  { name: "JSON with a required field missing", behaviour: reply({ changes: [] }), code: "invalid_type", detail: /feedback/ },
  { name: "an update creating a cycle", behaviour: reply({ feedback: "loop back", changes: [{ op: "edge", from: "w1", to: "w0", delta: 1 }] }), code: "cycle", detail: /w1 -> w0 goes backwards/ },
  { name: "an update naming an unknown model", behaviour: reply({ feedback: "use a better model", changes: [{ op: "model", node: "w0", model: "gpt-17", delta: 1 }] }), code: "unknown_model", detail: /"gpt-17" is not in the search space/ },
  { name: "an update naming an unknown node", behaviour: reply({ feedback: "add a node", changes: [{ op: "edge", from: "w99", to: "out", delta: 1 }] }), code: "unknown_node", detail: /node "w99" does not exist/ },
  {
    name: "an update that breaks the budget",
    behaviour: (slots) =>
      reply({
      feedback: "the biggest model everywhere",
      changes: Array.from({ length: slots }, (_, i) => [
        { op: "model", node: `w${i}`, model: "llama-8b", delta: 2 },
        { op: "model", node: `w${i}`, model: "off", delta: -2 },
        { op: "edge", from: `w${i}`, to: "out", delta: 2 },
      ]).flat(),
    }),
    code: "over_budget",
    detail: /over the budget of 18 units/,
  },
  { name: "a huge output", behaviour: reply("{" + " ".repeat(200_000) + "}"), code: "reply_too_long", detail: /the limit is 64000/ },
  { name: "an HTTP 500 from the agent's server", behaviour: { kind: "status", status: 500, message: "agent backend down" }, code: "call_failed", detail: /HTTP 500.*agent backend down/ },
  { name: "a truncated response body", behaviour: { kind: "raw", body: '{"choices":[{"message":{"content":"{\\"feedback' }, code: "call_failed", detail: /not valid JSON/ },
];

let rulesOnly: SearchResult;

describe("an LLM agent that always fails", () => {
  beforeAll(async () => {
    rulesOnly = await runSearch(setup({ agent: "rules" }));
  });

  it.each(CASES)("$name: each reply rejected with its reason; after 3 attempts the rule agent's update is used", async ({ behaviour, code, detail }) => {
    const s = setup({ agent: "planner", agentUrl: server.baseURL });
    const b = typeof behaviour === "function" ? behaviour(s.space.slots) : behaviour;
    server.setHandler(() => b);
    const journal = new Journal();
    const r = await runSearch(s, { sink: journal });
    expect(r.cost.evals.total).toBe(300);

    const rejected = journal.ofType("agent.rejected").filter((e) => e.purpose === "update");
    const fallbacks = journal.ofType("agent.fallback").filter((e) => e.purpose === "update");
    expect(fallbacks.length).toBeGreaterThan(0);
    for (const e of rejected) {
      expect(e.issues.map((i) => i.code)).toContain(code);
      expect(e.issues.some((i) => detail.test(i.path) || detail.test(i.message)), JSON.stringify(e.issues)).toBe(true);
    }
    if (code === "call_failed") {
      // A call that fails outright (its retries spent) opens the breaker: the agent is called once in
      // the whole run, and every decision after it is the rule agent's, each fallback saying why.
      expect(journal.ofType("agent.call")).toHaveLength(1);
      expect(journal.ofType("agent.rejected")).toHaveLength(1);
      for (const f of journal.ofType("agent.fallback")) expect(f.reason).toMatch(/the agent is not called again after its call failed at iteration \d+ \(.+\); the rule (agent decides for the rest of the run|agent's \w+ is used)$/);
      expect(r.cost.agent.fallbacks).toBe(journal.ofType("agent.fallback").length);
      expect(r.best.hash).toBe(rulesOnly.best.hash);
      return;
    }
    // Bounded: exactly three attempts per iteration, then the fallback, logged with the last reason.
    for (const f of fallbacks) {
      const mine = rejected.filter((e) => e.iteration === f.iteration);
      expect(mine.map((e) => e.attempt)).toEqual([1, 2, 3]);
      expect(f.reason).toMatch(/^3 attempts failed \(last: .+\); the rule agent's update is used$/);
    }
    expect(rejected).toHaveLength(3 * fallbacks.length);
    const calls = journal.ofType("agent.call").filter((e) => e.purpose === "update");
    expect(calls).toHaveLength(3 * fallbacks.length);
    // Every rejected reply was sent back with its problems, so the agent could repair it.
    const repairs = server.chatRequests().filter((q) => q.body?.messages?.at(-1)?.content.startsWith("Your reply was rejected"));
    if (code !== "call_failed") expect(repairs.length).toBeGreaterThan(0);
    // The result accounts for it, and the search is the one the rule agent alone makes.
    expect(r.cost.agent.fallbacks).toBe(journal.ofType("agent.fallback").length);
    expect(r.cost.agent.rejected).toBe(journal.ofType("agent.rejected").length);
    expect(r.best.hash).toBe(rulesOnly.best.hash);
    expect(r.best.validation?.correct).toBe(rulesOnly.best.validation?.correct);
  });
});

describe("an LLM agent that fails sometimes", () => {
  it("a bad reply followed by a good one is used without a fallback", async () => {
    let n = 0;
    const good = { feedback: "the edge from w0 into the output helped", changes: [{ op: "edge", from: "w0", to: "out", delta: 0.5 }] };
    server.setHandler((req) => {
      const first = req.body?.messages?.find((m) => m.role === "user")?.content ?? "";
      if (!first.startsWith("TASK CONTEXT")) return reply({ multisets: ["m1"], rationale: "the first candidate" });
      return n++ % 2 === 0 ? reply("Sure! Here is what I think.") : reply(good);
    });
    const journal = new Journal();
    const r = await runSearch(setup({ agent: "planner", agentUrl: server.baseURL }), { sink: journal });
    expect(journal.ofType("agent.fallback")).toEqual([]);
    const rejected = journal.ofType("agent.rejected");
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((e) => e.attempt === 1 && e.issues[0]!.code === "not_json")).toBe(true);
    expect(journal.ofType("agent.feedback").some((f) => f.agent === "planner" && f.text.includes("w0 into the output"))).toBe(true);
    expect(r.cost.evals.total).toBe(300);
  });
});
