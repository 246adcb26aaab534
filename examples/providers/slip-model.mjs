// A provider of your own: a rule-based "model" for the `arith` task that does the sum and then
// misreads each digit of its answer with probability `slip` (pool option). As a fuser it returns the
// candidate most of its inputs agree on. It reads only the prompt text, as a real server would, and
// its slips are seeded by the request, so equal requests get equal answers.
//
//   tts-graph eval examples/graphs/tiny-fuse.json --task arith --pool examples/providers/slip-pool.yaml --limit 50

/** 32-bit FNV-1a of a string: a stable seed for the request's slips. */
function hash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Uniform numbers in [0, 1) from a seed (mulberry32). */
function uniform(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The most common candidate; ties go to the first seen. */
function plurality(candidates) {
  const counts = new Map();
  for (const c of candidates) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].reduce((best, c) => (c[1] > best[1] ? c : best))[0];
}

/** Called once per pool model with its options; returns the provider. */
export default function slipModel({ model, options }) {
  const slip = Number(options.slip ?? 0);
  return {
    provider: "slip-model",
    async generate(request) {
      const prompt = request.messages.map((m) => m.content).join("");
      // "12+34=" answers, "12+34~46,47=" refines, "12+34#46,47,46=" fuses.
      const m = /^(\d+)([+-])(\d+)(?:([~#])([\d?,]*))?=$/.exec(prompt.trim());
      if (!m) throw new Error(`${model.id} reads only arith prompts, got ${JSON.stringify(prompt.slice(0, 40))}`);
      const candidates = (m[5] ?? "").split(",").filter((c) => /^\d+$/.test(c));
      if (m[4] === "#" && candidates.length > 0) return { text: plurality(candidates), usage: { promptTokens: prompt.length + 1, completionTokens: 2 } };
      const exact = String(m[2] === "+" ? Number(m[1]) + Number(m[3]) : Number(m[1]) - Number(m[3]));
      const next = uniform(hash(`${request.sampling.seed ?? 0}|${request.sampleIndex}|${prompt}`));
      const text = [...exact].map((d) => (next() < slip ? String((Number(d) + 1 + Math.floor(next() * 9)) % 10) : d)).join("");
      return { text, usage: { promptTokens: prompt.length + 1, completionTokens: text.length + 1 } };
    },
  };
}
