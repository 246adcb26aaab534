import { describe, expect, it } from "vitest";
import type { Graph } from "../../src/graph/schema.js";
import { fitSurrogate, graphFeatures } from "../../src/search/surrogate.js";
import { simSetup } from "./helpers.js";

/** A chain of `depth - 1` workers into the output, every node llama-3b, fusers after the first. */
const chain = (depth: number): Graph => {
  const ids = [...Array.from({ length: depth - 1 }, (_, i) => `w${i}`), "out"];
  return { version: 1, nodes: ids.map((id, i) => ({ id, role: i === 0 ? "assistant" : "fuser", model: "llama-3b" })), edges: ids.slice(1).map((id, i) => [ids[i]!, id] as [string, string]), output: "out" };
};
const fan = (workers: number, model: string): Graph => ({
  version: 1,
  nodes: [...Array.from({ length: workers }, (_, i) => ({ id: `w${i}`, role: "assistant" as const, model })), { id: "out", role: "assistant", model }],
  edges: Array.from({ length: workers }, (_, i) => [`w${i}`, "out"] as [string, string]),
  output: "out",
});

describe("surrogate of graph accuracy", () => {
  const space = simSetup({ task: "sim:humaneval", budget: 80 }).space;

  it("is undefined with too few measured graphs", async () => {
    expect(await fitSurrogate(space, [{ graph: fan(1, "llama-8b"), value: 0.6, weight: 12 }])).toBeUndefined();
  });

  it("learns a trend from the measured graphs and extrapolates it, with more doubt far from the evidence", async () => {
    // Accuracy rises with depth among chains, and falls with width among 1b fans.
    const data = [
      ...[2, 3, 4].map((d) => ({ graph: chain(d), value: 0.4 + 0.05 * d, weight: 30 })),
      ...[1, 2, 3, 4].map((w) => ({ graph: fan(w, "llama-1b"), value: 0.35 - 0.01 * w, weight: 30 })),
    ];
    const s = (await fitSurrogate(space, data, { ridge: 1 }))!;
    expect(s).toBeDefined();
    expect(s.predict(chain(5))).toBeGreaterThan(s.predict(chain(4)));
    expect(s.predict(chain(4))).toBeGreaterThan(s.predict(fan(4, "llama-1b")));
    // An 8b fan shares no model feature with the evidence: its prediction is less certain.
    expect(s.sd(fan(2, "llama-8b"))).toBeGreaterThan(s.sd(chain(3)));
    expect(graphFeatures(space, chain(3))).toHaveLength(graphFeatures(space, fan(3, "llama-8b")).length);
  });
});
