/**
 * The embedded provider on the committed tiny models (examples/models): reproducible sampling per
 * (seed, sample index), real token counts, stopping at the end token and at max tokens, concurrent
 * calls, errors that say what is wrong, and a pool file whose FLOPs specs match the files.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GgufProvider, loadNodeLlamaCpp, readGgufFacts } from "../../src/models/gguf.js";
import { CONCAT_CHAT_TEMPLATE } from "../../src/models/gguf-llama.js";
import { ProviderCallError, ProviderConfigError } from "../../src/models/errors.js";
import { loadPoolFile, resolvePoolPath } from "../../src/models/pool.js";
import { resolvePool, resolveProviders } from "../../src/resolve.js";
import { createArithTask } from "../../src/tasks/arith.js";
import { ROOT } from "../helpers/cli.js";
import { arithRequest, llamaMissing } from "../helpers/gguf.js";
import { tempDir } from "../helpers/tmp.js";

const POOL = join(ROOT, "examples", "pools", "tiny-gguf.yaml");
const MODELS = join(ROOT, "examples", "models");
const dir = tempDir("tts-graph-gguf-");

const missing = await llamaMissing("embedded-provider tests");

describe.skipIf(missing !== null)("embedded GGUF provider", () => {
  const small = new GgufProvider({ path: join(MODELS, "arith-small.gguf") });
  const large = new GgufProvider({ path: join(MODELS, "arith-large.gguf"), sequences: 4 });
  afterAll(async () => {
    await small.close();
    await large.close();
  });
  const questions = createArithTask({ seed: 1 })
    .items("test")
    .slice(0, 30)
    .map((i) => `${i.question}=`);

  it("gives the same output for the same seed and sample index, and varies with the sample index", async () => {
    const first = await Promise.all(questions.map((q) => small.generate(arithRequest(q))));
    const again = await Promise.all(questions.map((q) => small.generate(arithRequest(q))));
    expect(again.map((r) => r.text)).toEqual(first.map((r) => r.text));
    const other = await Promise.all(questions.map((q) => small.generate(arithRequest(q, {}, 1))));
    const differing = other.filter((r, i) => r.text !== first[i]!.text).length;
    expect(differing).toBeGreaterThan(3);
    const otherSeed = await Promise.all(questions.map((q) => small.generate(arithRequest(q, { seed: 8 }))));
    expect(otherSeed.filter((r, i) => r.text !== first[i]!.text).length).toBeGreaterThan(3);
  });

  it("counts real tokens: BOS plus one per character in, the answer plus the end token out", async () => {
    for (const q of questions.slice(0, 10)) {
      const r = await large.generate(arithRequest(q, { temperature: 0 }));
      expect(r.finishReason).toBe("stop");
      expect(r.rawFinishReason).toBe("eos");
      expect(r.text).toMatch(/^\d+$/);
      expect(r.usage.promptTokens).toBe(q.length + 1);
      expect(r.usage.completionTokens).toBe(r.text.length + 1);
      expect(r.latencyMs).toBeGreaterThan(0);
      expect(r.warnings).toEqual([]);
    }
  });

  it("stops at max tokens with finish reason length", async () => {
    const r = await large.generate(arithRequest("123+456=", { temperature: 0, maxTokens: 1 }));
    expect(r.finishReason).toBe("length");
    expect(r.usage.completionTokens).toBe(1);
    expect(r.text).toHaveLength(1);
  });

  it("answers concurrent calls exactly as sequential ones", async () => {
    const sequential: string[] = [];
    for (const q of questions) sequential.push((await large.generate(arithRequest(q, { temperature: 0.8 }, 2))).text);
    const parallel = await Promise.all(questions.map((q) => large.generate(arithRequest(q, { temperature: 0.8 }, 2))));
    expect(parallel.map((r) => r.text)).toEqual(sequential);
  });

  it("refuses a prompt longer than the context", async () => {
    const long = "1+1~" + Array.from({ length: 40 }, () => "2").join(",") + "=";
    const err = await large.generate(arithRequest(long, { temperature: 0 })).catch((e: unknown) => e);
    expect(ProviderCallError.isInstance(err)).toBe(true);
    expect((err as ProviderCallError).code).toBe("context_overflow");
    expect((err as ProviderCallError).isRetryable).toBe(false);
  });

  it("says which file is missing or not a model", async () => {
    const gone = new GgufProvider({ path: join(dir, "nope.gguf") });
    await expect(gone.generate(arithRequest("1+1="))).rejects.toThrow(ProviderConfigError);
    await expect(gone.generate(arithRequest("1+1="))).rejects.toThrow(/nope\.gguf does not exist/);
    const junk = join(dir, "junk.gguf");
    writeFileSync(junk, "not a gguf file at all");
    const bad = new GgufProvider({ path: junk });
    await expect(bad.generate(arithRequest("1+1="))).rejects.toThrow(/junk\.gguf: not a GGUF model llama\.cpp can load/);
    expect(() => new GgufProvider({ path: junk, threads: 0 })).toThrow(ProviderConfigError);
  });

  it("fails calls after close", async () => {
    const p = new GgufProvider({ path: join(MODELS, "arith-small.gguf") });
    expect((await p.generate(arithRequest("1+1=", { temperature: 0 }))).text).toMatch(/^\d+$/);
    await p.close();
    await expect(p.generate(arithRequest("1+1="))).rejects.toThrow(/closed/);
  });

  it("ships a pool whose FLOPs specs are the files' own", async () => {
    const loaded = loadPoolFile(POOL);
    expect(loaded.pool.models.map((m) => m.id)).toEqual(["arith-small", "arith-medium", "arith-large"]);
    for (const m of loaded.pool.models) {
      expect(m.endpoint.kind).toBe("gguf");
      if (m.endpoint.kind !== "gguf") continue;
      const facts = await readGgufFacts(resolvePoolPath(loaded, m.endpoint.path));
      expect({ params: m.params, layers: m.layers, hidden: m.hidden, contextTokens: m.contextTokens }).toEqual({
        params: facts.params,
        layers: facts.layers,
        hidden: facts.hidden,
        contextTokens: facts.contextLength,
      });
    }
    // The files carry the concatenating chat template, for servers that apply it.
    const nlc = await loadNodeLlamaCpp();
    const info = await nlc.readGgufFileInfo(join(MODELS, "arith-small.gguf"), { logWarnings: false });
    expect(info.metadata.tokenizer.chat_template).toBe(CONCAT_CHAT_TEMPLATE);
    const sizes = loaded.pool.models.map((m) => m.params);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
  });

  it("is what the resolver gives for gguf endpoints, with paths relative to the pool file", async () => {
    const loaded = resolvePool(POOL);
    const providers = resolveProviders(loaded);
    const spec = loaded.pool.models[2]!;
    const p = providers(spec);
    expect(p.provider).toBe("gguf");
    expect(providers(spec)).toBe(p);
    const r = await p.generate({ ...arithRequest("12+30=", { temperature: 0 }), model: spec });
    expect(r.text).toMatch(/^\d+$/);
    expect(r.usage.promptTokens).toBe(7);
    await p.close?.();
  });
});
