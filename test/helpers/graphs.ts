/** Small fixed graphs that several test files run. */
import type { Graph } from "../../src/graph/schema.js";

/** Three assistants `a1`..`a3` on `assistantModel`, fused by `fuse` on `fuserModel`. */
export function fanIn(assistantModel: string, fuserModel: string): Graph {
  return {
    version: 1,
    nodes: [
      { id: "a1", role: "assistant", model: assistantModel },
      { id: "a2", role: "assistant", model: assistantModel },
      { id: "a3", role: "assistant", model: assistantModel },
      { id: "fuse", role: "fuser", model: fuserModel },
    ],
    edges: [
      ["a1", "fuse"],
      ["a2", "fuse"],
      ["a3", "fuse"],
    ],
    output: "fuse",
  };
}
