/**
 * Smoke test on a real pretrained model: stories260K (Karpathy's TinyStories llama, MIT), read from
 * the shared models folder beside the repository. Skipped, with the reason printed, when absent.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GgufProvider, readGgufFacts } from "../../src/models/gguf.js";
import type { CallRequest } from "../../src/models/provider.js";
import { ROOT } from "../helpers/cli.js";
import { llamaMissing, promptRequest } from "../helpers/gguf.js";

const MODEL = join(ROOT, "..", "shared", "models", "stories260K.gguf");

const absent = existsSync(MODEL) ? null : `${MODEL} is absent`;
if (absent) console.warn(`skipping the stories260K smoke test: ${absent}`);
const reason = absent ?? (await llamaMissing("the stories260K smoke test"));

const request = (content: string, sampling: CallRequest["sampling"], sampleIndex = 0): CallRequest =>
  promptRequest({ id: "stories260K", family: "tinystories", params: 260e3, layers: 5, hidden: 64, endpoint: { kind: "gguf", path: MODEL } }, content, sampling, { taskId: "smoke", sampleIndex });

describe.skipIf(reason !== null)("stories260K through the embedded provider", () => {
  const provider = new GgufProvider({ path: MODEL, contextTokens: 256 });
  afterAll(() => provider.close());

  it("continues a natural-language prompt with real token counts", async () => {
    const prompt = "Once upon a time, there was a little dog";
    const r = await provider.generate(request(prompt, { temperature: 0, maxTokens: 40 }));
    const promptTokens = (await provider.tokenize(prompt)).length + 1; // plus BOS
    expect(r.usage.promptTokens).toBe(promptTokens);
    expect(r.usage.completionTokens).toBeGreaterThan(0);
    expect(r.usage.completionTokens).toBeLessThanOrEqual(40);
    if (r.finishReason === "length") expect(r.usage.completionTokens).toBe(40);
    // English words, not byte soup.
    const words = r.text.match(/[A-Za-z]+/g) ?? [];
    expect(words.length).toBeGreaterThan(5);
    expect(r.latencyMs).toBeGreaterThan(0);
    const facts = await readGgufFacts(MODEL);
    expect(facts).toMatchObject({ architecture: "llama", layers: 5, hidden: 64, vocabSize: 512 });
  });

  it("samples reproducibly per seed and sample index", async () => {
    const s = (i: number) => request("Lily went to the park", { temperature: 1, maxTokens: 24, seed: 11 }, i);
    const a = await provider.generate(s(0));
    const b = await provider.generate(s(0));
    expect(b.text).toBe(a.text);
    const others = await Promise.all([1, 2, 3].map((i) => provider.generate(s(i))));
    expect(others.some((o) => o.text !== a.text)).toBe(true);
  });
});
