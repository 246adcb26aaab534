/**
 * The LLM-agent path end to end: a real chat-completions server on 127.0.0.1 plays the agent and
 * returns valid, invalid and malicious replies; the search must finish, apply only valid updates,
 * and log every rejection and every fallback to the rule agent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Journal } from "../../../../src/search/events.js";
import { runSearch } from "../../../../src/search/harness.js";
import { startOpenAIServer, type RecordedRequest, type TestServer } from "../../../helpers/openai-server.js";
import { simSetup } from "../../helpers.js";

type Kind = "init" | "update" | "edit";

function kindOf(req: RecordedRequest): Kind {
  const first = req.body?.messages?.find((m) => m.role === "user")?.content ?? "";
  if (first.startsWith("TASK: choose")) return "init";
  if (first.startsWith("TASK CONTEXT")) return "update";
  return "edit";
}

const valid = (delta = 0.5) => JSON.stringify({ feedback: "the edge from w0 into the output helped", changes: [{ op: "edge", from: "w0", to: "out", delta }] });
const greedy = (slots: number) =>
  JSON.stringify({
  feedback: "bigger models everywhere",
  changes: Array.from({ length: slots }, (_, i) => [
    { op: "model", node: `w${i}`, model: "llama-8b", delta: 2 },
    { op: "model", node: `w${i}`, model: "off", delta: -2 },
    { op: "edge", from: `w${i}`, to: "out", delta: 2 },
  ]).flat(),
});

/** Scripted replies per request kind, consumed in order; afterwards a valid default. */
function scripted(script: Record<Kind, string[]>, fallback: Record<Kind, string>) {
  const queues: Record<Kind, string[]> = { init: [...script.init], update: [...script.update], edit: [...script.edit] };
  return (req: RecordedRequest) => {
    const k = kindOf(req);
    return { kind: "answer" as const, text: queues[k].shift() ?? fallback[k] };
  };
}

describe("LLM agent against a chat-completions server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startOpenAIServer({ models: ["planner"] });
  });
  afterAll(() => server.close());

  it("agent-reinforce: rejects bad replies with reasons, retries, falls back to the rule agent, and finishes", async () => {
    server.requests.length = 0;
    const setup = simSetup({ agent: "planner", agentUrl: server.baseURL, evals: 420, seed: 2 });
    server.setHandler(
      scripted(
        {
          init: ["I would go with the 8B model, it is the strongest.", JSON.stringify({ multisets: ["m999"], rationale: "a made-up id" }), JSON.stringify({ multisets: ["m1", "m2", "m3"], rationale: "the strongest options" })],
          update: [
            valid(),
            JSON.stringify({ feedback: "loop back", changes: [{ op: "edge", from: "w3", to: "w1", delta: 1 }] }),
            JSON.stringify({ feedback: "use a better model", changes: [{ op: "model", node: "w1", model: "gpt-17", delta: 1 }] }),
            JSON.stringify({ feedback: "add a node", changes: [{ op: "edge", from: "w99", to: "out", delta: 1 }] }),
            greedy(setup.space.slots),
            "x".repeat(100_000),
            "Here is my update:\n```json\n" + valid(9) + "\n```\nIt should help.",
          ],
          edit: [],
        },
        { init: "", update: valid(0.25), edit: "" },
      ),
    );
    const journal = new Journal();
    const r = await runSearch(setup, { sink: journal });
    expect(r.cost.evals.total).toBe(420);
    expect(setup.space.check(r.best.graph).ok).toBe(true);

    const rejected = journal.ofType("agent.rejected");
    const codes = rejected.flatMap((e) => e.issues.map((i) => i.code));
    for (const c of ["not_json", "unknown_candidate", "cycle", "unknown_model", "unknown_node", "over_budget", "reply_too_long"]) expect(codes).toContain(c);
    const cycle = rejected.find((e) => e.issues.some((i) => i.code === "cycle"))!;
    expect(cycle.issues[0]!.message).toMatch(/w3 -> w1 goes backwards/);
    // Three bad update replies in a row: the rule agent stood in, and the log says why.
    const fallbacks = journal.ofType("agent.fallback");
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]!.purpose).toBe("update");
    expect(fallbacks[0]!.reason).toMatch(/rule agent/);
    // The fenced reply with an out-of-range delta was repaired and applied.
    const feedback = journal.ofType("agent.feedback");
    expect(feedback.some((f) => f.agent === "planner" && /repaired: changes\[0\]\.delta 9 clamped to 2/.test(f.text))).toBe(true);
    expect(feedback.some((f) => f.agent === "planner" && f.text.startsWith("Probes alone") === false && /strongest options/.test(f.text))).toBe(true);
    // Each retry showed the agent why its reply was rejected.
    const retries = server.chatRequests().filter((q) => q.body?.messages?.at(-1)?.content.startsWith("Your reply was rejected"));
    expect(retries.length).toBe(rejected.length - fallbacks.length);
    expect(retries.some((q) => /goes backwards/.test(q.body!.messages!.at(-1)!.content))).toBe(true);
    // Every call is in the log, with the agent's own token use kept apart from the graphs'.
    expect(journal.ofType("agent.call")).toHaveLength(server.chatRequests().length);
    expect(r.cost.agent.calls).toBe(server.chatRequests().length);
    expect(r.cost.agent.promptTokens).toBeGreaterThan(0);
    expect(r.cost.agent.rejected).toBe(rejected.length);
    expect(r.cost.agent.fallbacks).toBe(1);
    // Structured output was requested with the update's JSON Schema.
    const formats = server.chatRequests().map((q) => q.body?.response_format as { type: string; json_schema: { name: string; schema: { properties: object } } } | undefined);
    expect(formats.every((f) => f?.type === "json_schema")).toBe(true);
    expect(formats.some((f) => f?.json_schema.name === "agent_update" && "changes" in f.json_schema.schema.properties)).toBe(true);
  });

  it("asks without structured output once the server refuses it", async () => {
    server.requests.length = 0;
    server.setHandler((req) => (req.body?.response_format ? { kind: "status", status: 400, message: "response_format is not supported by this server" } : { kind: "answer", text: kindOf(req) === "init" ? JSON.stringify({ multisets: ["m1", "m2"], rationale: "ok" }) : valid() }));
    const journal = new Journal();
    const r = await runSearch(simSetup({ agent: "planner", agentUrl: server.baseURL, evals: 300 }), { sink: journal });
    const sent = server.chatRequests();
    expect(sent[0]!.body?.response_format).toBeDefined();
    expect(sent.slice(1).every((q) => q.body?.response_format === undefined)).toBe(true);
    expect(journal.ofType("agent.rejected")).toEqual([]);
    expect(r.cost.agent.fallbacks).toBe(0);
  });

  it("textgrad: graphs with cycles or over budget are rejected and sent back; valid edits are evaluated", async () => {
    server.requests.length = 0;
    const cyclic = { nodes: [{ id: "a", model: "llama-1b", role: "assistant" }, { id: "b", model: "llama-1b", role: "assistant" }, { id: "o", model: "llama-3b", role: "assistant" }], edges: [["a", "b"], ["b", "a"], ["b", "o"]], output: "o" };
    const huge = { nodes: [...Array.from({ length: 6 }, (_, i) => ({ id: `n${i}`, model: "llama-8b", role: "assistant" })), { id: "o", model: "llama-8b", role: "fuser" }], edges: Array.from({ length: 6 }, (_, i) => [`n${i}`, "o"]), output: "o" };
    const good = { nodes: [{ id: "a", model: "llama-3b", role: "assistant" }, { id: "b", model: "llama-3b", role: "assistant" }, { id: "o", model: "llama-3b", role: "fuser" }], edges: [["a", "o"], ["b", "o"]], output: "o" };
    server.setHandler(
      scripted(
        { init: [], update: [], edit: [JSON.stringify({ feedback: "loop", graphs: [cyclic] }), JSON.stringify({ feedback: "go big", graphs: [huge] }), JSON.stringify({ feedback: "two 3B into a 3B fuser", graphs: [good] })] },
        { init: "", update: "", edit: JSON.stringify({ feedback: "keep it", graphs: [good] }) },
      ),
    );
    const journal = new Journal();
    const r = await runSearch(simSetup({ optimizer: "textgrad", agent: "planner", agentUrl: server.baseURL, evals: 200 }), { sink: journal });
    const codes = journal.ofType("agent.rejected").flatMap((e) => e.issues.map((i) => i.code));
    expect(codes).toContain("cycle");
    expect(codes).toContain("over_budget");
    expect(journal.ofType("graph.proposed").some((e) => e.origin === "llm-edit")).toBe(true);
    expect(r.cost.evals.total).toBe(200);
  });

  it("maas: alternates policy-gradient steps with LLM steps, falling back when the LLM fails", async () => {
    server.requests.length = 0;
    server.setHandler(scripted({ init: [], update: ["no JSON here", "still none", "nothing"], edit: [] }, { init: "", update: valid(-0.5), edit: "" }));
    const journal = new Journal();
    const r = await runSearch(simSetup({ optimizer: "maas", agent: "planner", agentUrl: server.baseURL, evals: 200 }), { sink: journal });
    expect(journal.ofType("agent.fallback")).toHaveLength(1);
    expect(journal.ofType("agent.feedback").some((f) => f.agent === "planner" && f.text.includes("w0 into the output"))).toBe(true);
    expect(r.cost.agent.calls).toBe(server.chatRequests().length);
  });

  it("baselines that need an LLM refuse to start without one", () => {
    expect(() => simSetup({ optimizer: "textgrad" })).toThrow(/needs an LLM and none is configured/);
    expect(() => simSetup({ optimizer: "maas" })).toThrow(/needs an LLM/);
  });
});
