/**
 * llama-architecture GGUF files: the metadata llama.cpp needs, a character-level SentencePiece-style
 * vocabulary, and the export of a model trained by scripts/train-tiny.py (a JSON manifest plus raw
 * f32 tensors) into a GGUF file with f16 matrices and f32 norms.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { parseWith, readStructured } from "../util/files.js";
import { writeGguf, type GgufFile, type GgufTensor, type GgufTensorType, type GgufValue } from "./gguf-writer.js";

/**
 * A chat template that concatenates the message contents after the BOS token. node-llama-cpp's
 * template check accepts it, and servers that apply the GGUF's template (llama.cpp's server) then
 * send exactly the compact format the tiny models were trained on.
 */
export const CONCAT_CHAT_TEMPLATE = "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}";

export interface LlamaConfig {
  layers: number;
  hidden: number;
  heads: number;
  /** Key/value heads; defaults to `heads`. */
  headsKv?: number | undefined;
  ffn: number;
  contextLength: number;
  rmsEps: number;
  ropeBase?: number | undefined;
}

/** A tensor in PyTorch layout (row-major, shape outermost first). */
export interface TorchTensor {
  shape: readonly number[];
  data: Float32Array;
}

export interface LlamaGgufSpec {
  name: string;
  description?: string | undefined;
  config: LlamaConfig;
  /** Token strings by id; `<0xNN>` are byte-fallback tokens. */
  tokens: readonly string[];
  bos: number;
  eos: number;
  unk: number;
  chatTemplate?: string | undefined;
  /** GGUF tensor names (`token_embd.weight`, `blk.0.attn_q.weight`, ...) to PyTorch-layout tensors. */
  tensors: ReadonlyArray<readonly [string, TorchTensor]>;
  /** Type of 2-D tensors; 1-D tensors (norms) stay f32. Default f16. */
  matrixType?: GgufTensorType | undefined;
  /** More metadata, appended after the standard keys. */
  extra?: ReadonlyArray<readonly [string, GgufValue]> | undefined;
}

/** SentencePiece token types: 1 normal, 2 unknown, 3 control, 6 byte. */
function tokenType(token: string, id: number, spec: Pick<LlamaGgufSpec, "bos" | "eos" | "unk">): number {
  if (id === spec.unk) return 2;
  if (id === spec.bos || id === spec.eos) return 3;
  if (/^<0x[0-9A-F]{2}>$/.test(token)) return 6;
  return 1;
}

/** The GGUF file of a llama-architecture model. */
export function llamaGguf(spec: LlamaGgufSpec): GgufFile {
  const c = spec.config;
  if (c.hidden % c.heads !== 0) throw new RangeError(`hidden ${c.hidden} is not a multiple of heads ${c.heads}`);
  const headDim = c.hidden / c.heads;
  const matrixType = spec.matrixType ?? "f16";
  const types = spec.tokens.map((t, i) => tokenType(t, i, spec));
  // Scores rank normal tokens by id so SentencePiece's merge order is stable; special and byte tokens score 0.
  const scores = spec.tokens.map((_, i) => (types[i] === 1 ? -i : 0));
  const metadata: Array<readonly [string, GgufValue]> = [
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.name", { type: "string", value: spec.name }],
    ["general.file_type", { type: "u32", value: matrixType === "f16" ? 1 : 0 }],
    ["llama.context_length", { type: "u32", value: c.contextLength }],
    ["llama.embedding_length", { type: "u32", value: c.hidden }],
    ["llama.block_count", { type: "u32", value: c.layers }],
    ["llama.feed_forward_length", { type: "u32", value: c.ffn }],
    ["llama.attention.head_count", { type: "u32", value: c.heads }],
    ["llama.attention.head_count_kv", { type: "u32", value: c.headsKv ?? c.heads }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "f32", value: c.rmsEps }],
    ["llama.rope.dimension_count", { type: "u32", value: headDim }],
    ["llama.rope.freq_base", { type: "f32", value: c.ropeBase ?? 10000 }],
    ["llama.vocab_size", { type: "u32", value: spec.tokens.length }],
    ["tokenizer.ggml.model", { type: "string", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "array", itemType: "string", value: spec.tokens }],
    ["tokenizer.ggml.scores", { type: "array", itemType: "f32", value: scores }],
    ["tokenizer.ggml.token_type", { type: "array", itemType: "i32", value: types }],
    ["tokenizer.ggml.bos_token_id", { type: "u32", value: spec.bos }],
    ["tokenizer.ggml.eos_token_id", { type: "u32", value: spec.eos }],
    ["tokenizer.ggml.unknown_token_id", { type: "u32", value: spec.unk }],
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: true }],
    ["tokenizer.ggml.add_eos_token", { type: "bool", value: false }],
    ["tokenizer.ggml.add_space_prefix", { type: "bool", value: false }],
  ];
  if (spec.description !== undefined) metadata.push(["general.description", { type: "string", value: spec.description }]);
  if (spec.chatTemplate !== undefined) metadata.push(["tokenizer.chat_template", { type: "string", value: spec.chatTemplate }]);
  for (const kv of spec.extra ?? []) metadata.push(kv);

  const tensors: GgufTensor[] = spec.tensors.map(([name, t]) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new RangeError(`tensor ${name}: shape [${t.shape.join(", ")}] needs ${n} values, got ${t.data.length}`);
    return { name, dims: [...t.shape].reverse(), type: t.shape.length >= 2 ? matrixType : "f32", data: t.data };
  });
  return { metadata, tensors };
}

/** What scripts/train-tiny.py writes beside the raw tensors. */
export const TinyManifestSchema = z
  .object({
    format: z.literal("tts-graph-tiny/1"),
    name: z.string().min(1),
    task: z.string().min(1),
    config: z
      .object({
        layers: z.number().int().positive(),
        hidden: z.number().int().positive(),
        heads: z.number().int().positive(),
        ffn: z.number().int().positive(),
        contextLength: z.number().int().positive(),
        rmsEps: z.number().positive(),
        ropeBase: z.number().positive(),
      })
      .strict(),
    params: z.number().int().positive(),
    tokens: z.array(z.string()).min(4),
    bos: z.number().int().nonnegative(),
    eos: z.number().int().nonnegative(),
    unk: z.number().int().nonnegative(),
    tensors: z.array(z.object({ name: z.string().min(1), shape: z.array(z.number().int().positive()).min(1), offset: z.number().int().nonnegative() }).strict()).min(1),
    training: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type TinyManifest = z.infer<typeof TinyManifestSchema>;

/** Read a manifest and its `.bin` (little-endian f32, PyTorch layout) into a GGUF spec. */
export function readTinyModel(manifestPath: string): LlamaGgufSpec {
  const m = parseWith(TinyManifestSchema, readStructured(manifestPath, "model manifest"), manifestPath, "model manifest");
  const binPath = manifestPath.replace(/\.json$/i, ".bin");
  const bin = readFileSync(binPath);
  const tensors = m.tensors.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.offset % 4 !== 0 || t.offset + n * 4 > bin.length) throw new RangeError(`${binPath}: tensor ${t.name} at byte ${t.offset} (${n} floats) lies outside the file`);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = bin.readFloatLE(t.offset + 4 * i);
    return [t.name, { shape: t.shape, data }] as const;
  });
  return {
    name: m.name,
    description: `tts-graph tiny model ${m.name}, trained by scripts/train-tiny.py on the generated ${m.task} task`,
    config: m.config,
    tokens: m.tokens,
    bos: m.bos,
    eos: m.eos,
    unk: m.unk,
    chatTemplate: CONCAT_CHAT_TEMPLATE,
    tensors,
    extra: [
      ["tts_graph.task", { type: "string", value: m.task }],
      ["tts_graph.params", { type: "u64", value: m.params }],
      ["tts_graph.training", { type: "string", value: JSON.stringify(m.training ?? {}) }],
    ],
  };
}

/** Export a trained tiny model to a GGUF file; returns the bytes written. */
export function exportTinyModel(manifestPath: string, outPath: string): number {
  const bytes = writeGguf(llamaGguf(readTinyModel(manifestPath)));
  writeFileSync(outPath, bytes);
  return bytes.length;
}
