/**
 * A simulated world as a {@link Task}: seeded, disjoint splits of its item stream, the style's answer
 * extractor, an exact-match grader (the world wrote every answer, so a match is the whole story; code
 * answers are graded by variant, nothing is executed), and exact ground truth for graphs.
 */
import type { Graph } from "../graph/schema.js";
import type { TaskTokens } from "../cost/tokens.js";
import type { Grade, Split, Task, TaskItem } from "../tasks/types.js";
import { simTruth, type SimTruth, type TruthOptions } from "./truth.js";
import { normaliseAnswer, type SimWorld } from "./world.js";

export interface SimTask extends Task {
  readonly world: SimWorld;
  /** Ground truth; `seed` picks an independent block of population items. */
  truth(graph: Graph, options?: { items?: number; seed?: number } & Omit<TruthOptions, "items" | "offset">): SimTruth;
}

/** True for tasks backed by a simulated world. */
export function isSimTask(task: Task): task is SimTask {
  return (task as Partial<SimTask>).world !== undefined && typeof (task as Partial<SimTask>).truth === "function";
}

/** The content of the last balanced `\boxed{...}`. */
export function lastBoxed(text: string): string | null {
  const at = text.lastIndexOf("\\boxed{");
  if (at < 0) return null;
  let depth = 0;
  const start = at + "\\boxed{".length;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === "{") depth++;
    else if (c === "}") {
      if (depth === 0) return text.slice(start, i).trim();
      depth--;
    }
  }
  return null;
}

function extractChoice(text: string, letters: string): string | null {
  const re = new RegExp(`Answer:\\s*\\(?([${letters}])\\)?`, "g");
  let last: string | null = null;
  for (const m of text.matchAll(re)) last = m[1]!;
  return last;
}

function extractCode(text: string): string | null {
  const m = /```(?:python|py)?[ \t]*\n([\s\S]*?)```/.exec(text);
  return m ? m[1]!.trim() : null;
}

/** Items per split, built once. */
function splitItems(world: SimWorld, split: Split): TaskItem[] {
  const r = world.splitRange(split);
  const out: TaskItem[] = [];
  for (let i = 0; i < r.count; i++) {
    const item = world.item(r.start + i);
    const t = world.answers(item);
    const ti: TaskItem = { id: world.itemId(split, i), question: t.question, answer: t.strings[0]! };
    if (t.choices) ti.choices = t.choices;
    if (t.entryPoint) ti.meta = { entryPoint: t.entryPoint };
    out.push(ti);
  }
  return out;
}

/** The task of a simulated world. */
export function createSimTask(world: SimWorld, id = `sim:${world.profile.name}`): SimTask {
  const p = world.profile;
  const letters = "ABCDEFGHIJ".slice(0, p.task.choices ?? 4);
  const cache = new Map<Split, TaskItem[]>();
  const tokens: TaskTokens = { promptTokens: p.task.tokens.prompt, outputTokens: p.task.tokens.output, unitFlops: p.task.tokens.unitFlops, source: "profile" };
  const extract = (text: string): string | null => {
    switch (p.task.style) {
      case "math":
        return lastBoxed(text);
      case "choice":
        return extractChoice(text, letters);
      case "code":
        return extractCode(text);
    }
  };
  return {
    id,
    style: p.task.style,
    description: p.description ?? `simulated ${p.task.style} task "${p.name}"`,
    tokens,
    world,
    items(split: Split): TaskItem[] {
      let xs = cache.get(split);
      if (!xs) cache.set(split, (xs = splitItems(world, split)));
      return xs;
    },
    extract,
    grade(item: TaskItem, output: string): Grade {
      const extracted = extract(output);
      const correct = extracted !== null && normaliseAnswer(extracted) === normaliseAnswer(item.answer);
      return extracted === null ? { correct, extracted, reason: "no answer found in the output" } : { correct, extracted };
    },
    truth(graph: Graph, options = {}): SimTruth {
      const { seed, items, ...rest } = options;
      // Each seed is its own block of 10^7 population items, so estimates under different seeds are independent.
      const offset = seed === undefined ? 0 : ((seed >>> 0) % 400) * 10_000_000;
      return simTruth(world, graph, { ...rest, items, offset, unitFlops: tokens.unitFlops });
    },
  };
}
