/**
 * The GGUF writer: half-precision rounding, the byte layout, and a round trip through llama.cpp. The
 * round-trip model is built by hand so its output is known: every layer's projections are zero, so
 * the residual stream is the token embedding, and the output matrix maps letter i to letter i+1.
 * Greedy generation from "abc" must then read "defgh"; a transposed or misplaced tensor would not.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CONCAT_CHAT_TEMPLATE, exportTinyModel, llamaGguf, type TorchTensor } from "../../src/models/gguf-llama.js";
import { float16BitsToNumber, float32ToFloat16Bits, writeGguf } from "../../src/models/gguf-writer.js";
import { GgufProvider, loadNodeLlamaCpp, readGgufFacts } from "../../src/models/gguf.js";
import type { CallRequest } from "../../src/models/provider.js";
import { llamaMissing, promptRequest } from "../helpers/gguf.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("tts-graph-gguf-writer-");
const LETTERS = "abcdefghijklmnopqrstuvwxyz";
const D = 32;

function tokens(): string[] {
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
  return ["<unk>", "<s>", "</s>", ...bytes, ...LETTERS.split("")];
}

function zeros(...shape: number[]): TorchTensor {
  return { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) };
}

function ones(n: number): TorchTensor {
  return { shape: [n], data: new Float32Array(n).fill(1) };
}

/** The successor model: letter i -> letter i+1 (mod 26), exactly, through every llama.cpp op. */
function successorModel(): Array<readonly [string, TorchTensor]> {
  const V = tokens().length;
  const embed = zeros(V, D);
  const output = zeros(V, D);
  for (let i = 0; i < LETTERS.length && i < D; i++) {
    embed.data[(259 + i) * D + i] = 1;
    output.data[(259 + ((i + 1) % 26)) * D + i] = 10;
  }
  const F = 48;
  return [
    ["token_embd.weight", embed],
    ["output_norm.weight", ones(D)],
    ["output.weight", output],
    ["blk.0.attn_norm.weight", ones(D)],
    ["blk.0.attn_q.weight", zeros(D, D)],
    ["blk.0.attn_k.weight", zeros(D, D)],
    ["blk.0.attn_v.weight", zeros(D, D)],
    ["blk.0.attn_output.weight", zeros(D, D)],
    ["blk.0.ffn_norm.weight", ones(D)],
    ["blk.0.ffn_gate.weight", zeros(F, D)],
    ["blk.0.ffn_up.weight", zeros(F, D)],
    ["blk.0.ffn_down.weight", zeros(D, F)],
  ];
}

const request = (content: string, maxTokens: number): CallRequest =>
  promptRequest({ id: "succ", family: "test", params: 1, layers: 1, hidden: D, endpoint: { kind: "gguf", path: "succ.gguf" } }, content, { temperature: 0, maxTokens, seed: 1 });

describe("half precision", () => {
  it("rounds to nearest even, with subnormals and overflow", () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [65504, 0x7bff],
      [65520, 0x7c00], // halfway to the next power: rounds to even, which is infinity
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // halfway between 0 and the smallest subnormal: even is 0
      [3 * 2 ** -25, 0x0002], // halfway between 1 and 2 subnormal units: even is 2
      [1 + 2 ** -11, 0x3c00], // halfway between 1 and 1+2^-10: even is 1
      [1 + 3 * 2 ** -11, 0x3c02],
    ];
    for (const [x, bits] of cases) expect(float32ToFloat16Bits(x), `f16(${x})`).toBe(bits);
    expect(Number.isNaN(float16BitsToNumber(float32ToFloat16Bits(NaN)))).toBe(true);
  });

  it("keeps relative error within half an ulp on normal numbers", () => {
    let x = 0.37;
    for (let i = 0; i < 2000; i++) {
      x = (x * 9301 + 49297) % 233280;
      const v = (x / 233280 - 0.5) * 2 ** ((i % 30) - 12);
      if (Math.abs(v) < 2 ** -14) continue;
      const back = float16BitsToNumber(float32ToFloat16Bits(v));
      expect(Math.abs(back - v) / Math.abs(v)).toBeLessThanOrEqual(2 ** -11 + 1e-12);
    }
  });
});

describe("GGUF writer", () => {
  it("writes the v3 header, typed metadata and aligned tensor data", () => {
    const buf = writeGguf({
      metadata: [
        ["general.architecture", { type: "string", value: "llama" }],
        ["x.n", { type: "u32", value: 7 }],
        ["x.list", { type: "array", itemType: "i32", value: [1, -2, 3] }],
      ],
      tensors: [
        { name: "a", dims: [3], type: "f32", data: Float32Array.from([1, 2, 3]) },
        { name: "b", dims: [2, 2], type: "f16", data: Float32Array.from([1, -2, 0.5, 0]) },
      ],
    });
    expect(buf.subarray(0, 4).toString("ascii")).toBe("GGUF");
    expect(buf.readUInt32LE(4)).toBe(3);
    expect(buf.readBigUInt64LE(8)).toBe(2n);
    expect(buf.readBigUInt64LE(16)).toBe(4n); // three keys plus general.alignment
    // The data section ends the file: tensor a (12 bytes padded to 32) then b (8 bytes padded to 32).
    expect(buf.length % 32).toBe(0);
    const dataStart = buf.length - 64;
    expect(buf.readFloatLE(dataStart)).toBe(1);
    expect(buf.readFloatLE(dataStart + 8)).toBe(3);
    expect(buf.readUInt16LE(dataStart + 32)).toBe(0x3c00);
    expect(buf.readUInt16LE(dataStart + 34)).toBe(0xc000);
    expect(buf.readUInt16LE(dataStart + 36)).toBe(0x3800);
  });

  it("rejects malformed tensors", () => {
    const t = { name: "a", dims: [2, 2], type: "f32" as const, data: new Float32Array(3) };
    expect(() => writeGguf({ metadata: [], tensors: [t] })).toThrow(/need 4 values, got 3/);
    const ok = { ...t, data: new Float32Array(4) };
    expect(() => writeGguf({ metadata: [], tensors: [ok, ok] })).toThrow(/appears twice/);
    expect(() => writeGguf({ metadata: [], tensors: [{ ...ok, dims: [0, 4] }] })).toThrow(/positive integers/);
  });
});

describe("GGUF round trip through llama.cpp", async () => {
  const available = (await llamaMissing("llama.cpp round trip")) === null;
  const path = join(dir, "succ.gguf");
  const providers: GgufProvider[] = [];
  afterAll(async () => {
    for (const p of providers) await p.close();
  });

  it.skipIf(!available)("writes a model llama.cpp loads, reads back and runs exactly", async () => {
    const spec = {
      name: "successor",
      config: { layers: 1, hidden: D, heads: 2, ffn: 48, contextLength: 64, rmsEps: 1e-5 },
      tokens: tokens(),
      bos: 1,
      eos: 2,
      unk: 0,
      chatTemplate: CONCAT_CHAT_TEMPLATE,
      tensors: successorModel(),
    };
    writeFileSync(path, writeGguf(llamaGguf(spec)));

    const facts = await readGgufFacts(path);
    const V = tokens().length;
    expect(facts).toEqual({ architecture: "llama", params: 2 * V * D + 2 * D + 4 * D * D + 3 * 48 * D + D, layers: 1, hidden: D, contextLength: 64, vocabSize: V });
    const nlc = await loadNodeLlamaCpp();
    const info = await nlc.readGgufFileInfo(path, { logWarnings: false });
    expect(info.metadata.tokenizer.chat_template).toBe(CONCAT_CHAT_TEMPLATE);
    expect(info.metadata.tokenizer.ggml.tokens.slice(259, 262)).toEqual(["a", "b", "c"]);

    const provider = new GgufProvider({ path });
    providers.push(provider);
    expect(await provider.tokenize("abc")).toEqual([259, 260, 261]);
    const r = await provider.generate(request("abc", 5));
    expect(r.text).toBe("defgh");
    expect(r.finishReason).toBe("length");
    expect(r.usage.promptTokens).toBe(4);
    expect(r.usage.completionTokens).toBe(5);
    const wrap = await provider.generate(request("xy", 3));
    expect(wrap.text).toBe("zab");
  });

  it.skipIf(!available)("exports a trainer manifest with f16 matrices and f32 norms", async () => {
    // A manifest as scripts/train-tiny.py writes it, holding the successor model.
    const named = successorModel().filter(([n]) => n !== "output.weight");
    const bin: Buffer[] = [];
    let offset = 0;
    const table = named.map(([name, t]) => {
      const b = Buffer.from(t.data.buffer.slice(0));
      bin.push(b);
      const row = { name, shape: [...t.shape], offset };
      offset += b.length;
      return row;
    });
    writeFileSync(join(dir, "m.bin"), Buffer.concat(bin));
    writeFileSync(
      join(dir, "m.json"),
      JSON.stringify({
        format: "tts-graph-tiny/1",
        name: "m",
        task: "test",
        config: { layers: 1, hidden: D, heads: 2, ffn: 48, contextLength: 64, rmsEps: 1e-5, ropeBase: 10000 },
        params: 1,
        tokens: tokens(),
        bos: 1,
        eos: 2,
        unk: 0,
        tensors: table,
      }),
    );
    const out = join(dir, "m.gguf");
    const bytes = exportTinyModel(join(dir, "m.json"), out);
    expect(readFileSync(out).length).toBe(bytes);
    const nlc = await loadNodeLlamaCpp();
    const info = await nlc.readGgufFileInfo(out, { logWarnings: false });
    const types = new Map((info.tensorInfo ?? []).map((t) => [t.name, t.ggmlType]));
    expect(types.get("token_embd.weight")).toBe(nlc.GgmlType.F16);
    expect(types.get("blk.0.ffn_down.weight")).toBe(nlc.GgmlType.F16);
    expect(types.get("output_norm.weight")).toBe(nlc.GgmlType.F32);
    const dims = new Map((info.tensorInfo ?? []).map((t) => [t.name, t.dimensions.map(Number)]));
    expect(dims.get("blk.0.ffn_down.weight")).toEqual([48, D]);
    expect(dims.get("token_embd.weight")).toEqual([D, tokens().length]);
  });

  it("names the file and field of a bad manifest", () => {
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ format: "tts-graph-tiny/1", name: "x" }));
    expect(() => exportTinyModel(join(dir, "bad.json"), join(dir, "bad.gguf"))).toThrow(/bad\.json: invalid model manifest/);
  });
});
