import { describe, expect, it } from "vitest";
import { PAPER_MODELS, PAPER_TASKS } from "../../../../src/cost/paper.js";
import { extractJson } from "../../../../src/search/optimizers/llm-json.js";
import { agentUpdateJsonSchema, applyUpdate, MAX_DELTA, parseAgentUpdate, repairUpdate, validateUpdate, type AgentUpdate } from "../../../../src/search/optimizers/agent-reinforce/update.js";
import { logit, ProbGraph, sigmoid } from "../../../../src/search/distribution.js";
import { SearchSpace } from "../../../../src/search/space.js";

const llama = PAPER_MODELS.filter((m) => m.family === "llama");
const tokens = { tokens: PAPER_TASKS.math! };

function dist(options: ConstructorParameters<typeof SearchSpace>[3] = {}): ProbGraph {
  const space = new SearchSpace(llama, tokens, { limit: 18, unit: "units" }, { maxSlots: 6, ...options });
  // Start with everything off but one 3B worker feeding the output: a cheap, feasible mode.
  const d = ProbGraph.init(space, { edgeProb: 0.1, outEdgeProb: 0.4, offProb: 0.9 });
  d.params.slotModel[0] = [0, 0, 3, 0];
  d.params.toOut[0] = 3;
  return d;
}

function codes(update: AgentUpdate, d = dist()): string[] {
  return validateUpdate(update, d).map((i) => i.code);
}

describe("agent update", () => {
  it("applies valid changes to the right logits", () => {
    const d = dist();
    const before = d.params.edge[d.space.edgeIndex(0, 1)]!;
    const u: AgentUpdate = {
      feedback: "w0 into w1 helped; a fuser at w1",
      changes: [
        { op: "edge", from: "w0", to: "w1", delta: 1.5 },
        { op: "role", node: "w1", role: "fuser", delta: 1 },
        { op: "model", node: "w1", model: "llama-1b", delta: 0.5 },
        { op: "edge", from: "w2", to: "out", delta: -1 },
      ],
    };
    expect(validateUpdate(u, d)).toEqual([]);
    applyUpdate(d, u);
    expect(d.params.edge[d.space.edgeIndex(0, 1)]).toBeCloseTo(before + 1.5);
    expect(d.params.slotRole[1]![1]).toBeCloseTo(1);
    expect(d.params.slotModel[1]![1]).toBeCloseTo(0.5);
    expect(sigmoid(d.params.toOut[2]!)).toBeCloseTo(sigmoid(logit(0.4) - 1));
  });

  it("rejects unknown nodes and models, cycles, a fixed output, fusers when ablated, and over-budget modes", () => {
    expect(codes({ feedback: "x", changes: [{ op: "edge", from: "w9", to: "out", delta: 1 }] })).toEqual(["unknown_node"]);
    expect(codes({ feedback: "x", changes: [{ op: "model", node: "w1", model: "gpt-9", delta: 1 }] })).toEqual(["unknown_model"]);
    expect(codes({ feedback: "x", changes: [{ op: "edge", from: "w3", to: "w1", delta: 1 }] })).toEqual(["cycle"]);
    expect(codes({ feedback: "x", changes: [{ op: "edge", from: "w2", to: "w2", delta: 1 }] })).toEqual(["cycle"]);
    expect(codes({ feedback: "x", changes: [{ op: "edge", from: "out", to: "w2", delta: 1 }] })).toEqual(["cycle"]);
    expect(codes({ feedback: "x", changes: [{ op: "model", node: "out", model: "llama-8b", delta: 1 }] }, dist({ outputModel: "llama-3b" }))).toEqual(["fixed_output"]);
    expect(codes({ feedback: "x", changes: [{ op: "role", node: "w0", role: "fuser", delta: 1 }] }, dist({ fuser: false }))).toEqual(["no_fuser"]);
    // Every slot on as an 8B feeding the output: the most likely graph is far over 18 units.
    const greedy: AgentUpdate = {
      feedback: "bigger is better",
      changes: Array.from({ length: 6 }, (_, i) => [
        { op: "model" as const, node: `w${i}`, model: "llama-8b", delta: MAX_DELTA },
        { op: "model" as const, node: `w${i}`, model: "off", delta: -MAX_DELTA },
        { op: "edge" as const, from: `w${i}`, to: "out", delta: MAX_DELTA },
      ]).flat(),
    };
    expect(codes(greedy)).toEqual(["over_budget"]);
  });

  it("parses JSON out of prose and code fences, and reports prose without JSON", () => {
    expect(extractJson('Sure! Here it is:\n```json\n{"feedback": "a", "changes": []}\n```\nThanks')).toEqual({ value: { feedback: "a", changes: [] } });
    expect(extractJson('I think {"feedback": "b", "changes": []} is right')).toEqual({ value: { feedback: "b", changes: [] } });
    expect(extractJson("The graph should be wider.")).toHaveProperty("error");
    expect(extractJson('{"feedback": "unterminated"')).toHaveProperty("error");
  });

  it("checks the schema with paths, and repairs out-of-range deltas", () => {
    const bad = parseAgentUpdate({ feedback: "", changes: [{ op: "edge", from: "w0", delta: 1 }, { op: "teleport" }] });
    expect("issues" in bad && bad.issues.map((i) => i.path)).toEqual(expect.arrayContaining(["feedback", "changes[0].to"]));
    const r = repairUpdate({ feedback: "f", changes: [{ op: "edge", from: "w0", to: "out", delta: 9 }] });
    expect(r.repairs).toHaveLength(1);
    expect(parseAgentUpdate(r.value)).toEqual({ update: { feedback: "f", changes: [{ op: "edge", from: "w0", to: "out", delta: MAX_DELTA }] } });
    const schema = agentUpdateJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(["feedback", "changes"]);
  });
});
