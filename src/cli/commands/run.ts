/** `tts-graph run GRAPH "question"`: run a graph on one question and show what each node did. */
import { UserError } from "../../errors.js";
import { prepareGraph, runGraph } from "../../exec/run.js";
import type { TaskItem } from "../../tasks/types.js";
import { cliContext, findItem, graphModels, graphSampling, loadGraphForPool, openCache, poolForRun, probeEndpoints, taskFor, type RunOpts } from "../exec-setup.js";
import { ExitError } from "../exit.js";
import { emit, table, type Io } from "../output.js";

export async function runCommand(file: string, question: string, opts: RunOpts, io: Io): Promise<void> {
  if (question.trim() === "") throw new UserError("the question is empty", { code: "usage", source: "question" });
  const task = taskFor(opts);
  const loaded = await poolForRun(opts.task, opts.pool);
  const graph = loadGraphForPool(file, loaded);
  // A question naming one of the task's items (by id or by its text) is asked as that item and graded.
  const known = opts.task !== undefined ? findItem(task, question) : undefined;
  const item: TaskItem = known ?? { id: "question", question, answer: "" };
  await probeEndpoints(graphModels([graph], loaded), opts, (line) => io.stderr(line + "\n"));
  const cache = openCache(loaded, opts.cache);
  let trace;
  let unitFlops: number;
  try {
    const ctx = cliContext(task, loaded, opts, cache, graphSampling([{ file, graph }], opts, (line) => io.stderr(line + "\n")));
    unitFlops = ctx.unitFlops;
    trace = await runGraph(prepareGraph(graph, ctx), item, ctx, { grade: known !== undefined });
  } finally {
    cache?.close();
  }
  const value = {
    graph: file,
    task: task.id,
    pool: loaded.source,
    question: item.question,
    itemId: known ? item.id : null,
    answer: trace.answer,
    gold: known ? item.answer : null,
    correct: trace.correct,
    output: trace.output,
    errored: trace.errored,
    ...(trace.error ? { error: trace.error } : {}),
    flops: trace.flops,
    units: trace.flops / unitFlops,
    dollars: trace.dollars,
    latencyMs: trace.latencyMs,
    estimated: trace.estimated,
    graphHash: trace.graphHash,
    nodes: trace.nodes,
  };
  emit(io, opts.json, value, () => {
    const rows = trace.nodes.map((n) => [
      n.id,
      n.model,
      n.role,
      n.error ? "error" : (n.answer ?? "-"),
      `${n.promptTokens}/${n.completionTokens}${n.estimated ? "~" : ""}`,
      n.flops.toExponential(2),
      `${n.latencyMs.toFixed(0)} ms`,
      n.cached ? "cache" : String(n.attempts),
    ]);
    const lines = [
      trace.errored ? `error: ${trace.error?.message ?? "a call failed"}` : `answer: ${trace.answer ?? "(no answer could be read from the output)"}`,
      ...(known && !trace.errored ? [`gold answer of item ${item.id}: ${item.answer} (${trace.correct ? "correct" : "wrong"})`] : []),
      "",
      table(["node", "model", "role", "answer", "tokens in/out", "FLOPs", "latency", "attempts"], rows),
      "",
      `total: ${trace.flops.toExponential(3)} FLOPs (${(trace.flops / unitFlops).toFixed(3)} budget units)${trace.estimated ? ", token counts marked ~ are estimated" : ""}`,
      `latency: ${trace.latencyMs.toFixed(0)} ms (critical path)`,
    ];
    if (!trace.errored) lines.push("", "output:", trace.output);
    return lines.join("\n");
  });
  if (trace.errored) throw new ExitError(1);
}
