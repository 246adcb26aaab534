#!/usr/bin/env node
// Accuracy of the tiny GGUF models per role on the arith task, through the embedded provider.
// Run `npm run build` first; prints a Markdown table (the one in BENCHMARKS.md).
//
//   node scripts/measure-tiny.mjs [--items 600] [--samples 5] [--temperature 1] [--seed 0] [--from arith-small]
//
// Per model, on the test split:
//   answer    greedy answer alone
//   sample    one sample at the temperature (mean over the samples)
//   vote      majority vote over the samples (self-consistency; ties go to the first sample's answer)
//   refine    greedy answer given 2 references: two samples of the --from model (default arith-small)
//   fuse      greedy fused answer given 5 candidates: five samples of the --from model
// For comparison: the plurality of the five candidates, and how often any of them is right.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { GgufProvider } from "tts-graph/gguf";
import { loadPoolFile, resolvePoolPath } from "tts-graph/models";
import { arithPrompt, createArithTask, extractArith } from "tts-graph/tasks";

const { values } = parseArgs({
  options: {
    items: { type: "string", default: "600" },
    samples: { type: "string", default: "5" },
    temperature: { type: "string", default: "1" },
    seed: { type: "string", default: "0" },
    from: { type: "string", default: "arith-small" },
  },
});
const nItems = Number(values.items);
const k = Number(values.samples);
const temperature = Number(values.temperature);
const seed = Number(values.seed);

const root = fileURLToPath(new URL("..", import.meta.url));
const loaded = loadPoolFile(join(root, "examples", "pools", "tiny-gguf.yaml"));
const task = createArithTask({ seed });
const items = task.items("test").slice(0, nItems);

function request(spec, content, temp, sampleIndex) {
  return {
    model: spec,
    messages: [{ role: "user", content }],
    metadata: { role: "assistant", isOutput: true, style: "number", taskId: "arith", item: { id: "m", question: content }, references: [] },
    sampling: { temperature: temp, maxTokens: 8, seed: seed + 1 },
    sampleIndex,
  };
}

function plurality(answers) {
  const counts = new Map();
  for (const a of answers) if (a !== null) counts.set(a, (counts.get(a) ?? 0) + 1);
  let best = null;
  let n = 0;
  for (const a of answers) {
    if (a !== null && counts.get(a) > n) {
      best = a;
      n = counts.get(a);
    }
  }
  return best;
}

const pct = (x) => `${(100 * x).toFixed(1)} %`;
const providers = new Map(loaded.pool.models.map((m) => [m.id, new GgufProvider({ path: resolvePoolPath(loaded, m.endpoint.path), sequences: 4 })]));

const latency = new Map();
async function answers(spec, prompts, temp, sampleIndex) {
  const p = providers.get(spec.id);
  const out = await Promise.all(prompts.map((q) => p.generate(request(spec, q, temp, sampleIndex))));
  const l = latency.get(spec.id) ?? { ms: 0, calls: 0 };
  for (const r of out) {
    l.ms += r.latencyMs;
    l.calls++;
  }
  latency.set(spec.id, l);
  return out.map((r) => extractArith(r.text));
}

const source = loaded.pool.models.find((m) => m.id === values.from);
if (!source) throw new Error(`--from ${values.from}: not a model of the pool`);
const plain = items.map((i) => arithPrompt(i.question, "answer"));
// Candidates for refine and fuse: samples of the --from model at the temperature.
const cands = [];
for (let s = 0; s < 5; s++) cands.push(await answers(source, plain, temperature, 100 + s));
const candOf = (j, n) => cands.slice(0, n).map((c) => c[j] ?? "?");
const refinePrompts = items.map((it, j) => arithPrompt(it.question, "refine", candOf(j, 2)));
const fusePrompts = items.map((it, j) => arithPrompt(it.question, "fuse", candOf(j, 5)));

const acc = (got) => got.filter((a, j) => a === items[j].answer).length / items.length;
console.log(`arith test split, ${items.length} items, seed ${seed}; ${k} samples at temperature ${temperature}\n`);
console.log(`| model | params | answer (greedy) | one sample | vote of ${k} | refine (2 refs from ${source.id}) | fuse (5 cands from ${source.id}) |`);
console.log("|---|---|---|---|---|---|---|");
for (const spec of loaded.pool.models) {
  const greedy = acc(await answers(spec, plain, 0, 0));
  const samples = [];
  for (let s = 0; s < k; s++) samples.push(await answers(spec, plain, temperature, s));
  const one = samples.reduce((t, s) => t + acc(s), 0) / k;
  const vote = acc(items.map((_, j) => plurality(samples.map((s) => s[j]))));
  const refine = acc(await answers(spec, refinePrompts, 0, 0));
  const fuse = acc(await answers(spec, fusePrompts, 0, 0));
  console.log(`| ${spec.id} | ${spec.params} | ${pct(greedy)} | ${pct(one)} | ${pct(vote)} | ${pct(refine)} | ${pct(fuse)} |`);
}
const candPlural = acc(items.map((_, j) => plurality(cands.map((c) => c[j]))));
const anyRight = items.filter((it, j) => cands.some((c) => c[j] === it.answer)).length / items.length;
console.log(`\nThe five candidates from ${source.id}: plurality ${pct(candPlural)}, at least one right ${pct(anyRight)}; the two references: at least one right ${pct(items.filter((it, j) => cands.slice(0, 2).some((c) => c[j] === it.answer)).length / items.length)}.`);
console.log(`Mean latency per call (llama.cpp, 1 thread, up to 4 sequences batched): ${[...latency].map(([id, l]) => `${id} ${(l.ms / l.calls).toFixed(2)} ms`).join(", ")}.`);
for (const p of providers.values()) await p.close();
