/**
 * The embedded provider: runs a GGUF file in-process on llama.cpp through node-llama-cpp (an
 * optional dependency, imported lazily). It never builds llama.cpp from source, uses the CPU, and
 * defaults to one thread: on small machines more threads than cores is dramatically slower.
 *
 * The prompt is the BOS token (when the model wants one) followed by the message contents
 * concatenated in order: the compact format the project's tiny models are trained on, and what a
 * plain completion model expects. (No chat template is guessed; chat models with their own template
 * are better reached through an OpenAI-compatible server.) Token counts are real: the tokenized
 * prompt, and every sampled token including the final end-of-sequence token.
 */
import { existsSync } from "node:fs";
import { hashString, mixKeys } from "../util/rng.js";
import { ProviderCallError, ProviderConfigError } from "./errors.js";
import type { CallRequest, CallResult, Provider } from "./provider.js";
import { importNodeLlamaCpp, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel, type NodeLlamaCpp, type Token } from "./llama-binding.js";

export interface GgufProviderOptions {
  /** Path of the .gguf file (absolute, or relative to the working directory). */
  path: string;
  /** CPU threads for evaluation. Default 1. */
  threads?: number | undefined;
  /** Context size in tokens per sequence. Default: the model's training context, at most 4096. */
  contextTokens?: number | undefined;
  /** Sequences evaluated side by side in one batch; more concurrent calls wait for a free one. Default 2. */
  sequences?: number | undefined;
}

const INSTALL_HINT = "it is an opt-in install: run `npm run gguf:install` in a checkout of tts-graph (the CPU build for this platform only), or `npm install node-llama-cpp@3.22.1` beside an installed tts-graph";

let bindingPromise: Promise<NodeLlamaCpp> | undefined;
let llamaPromise: Promise<Llama> | undefined;

/** node-llama-cpp, imported on first use so the package stays optional. */
export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  bindingPromise ??= importNodeLlamaCpp().catch((err: unknown) => {
    bindingPromise = undefined;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new ProviderConfigError(`the embedded GGUF provider needs the package node-llama-cpp, which is not installed; ${INSTALL_HINT}`);
    }
    throw new ProviderConfigError(`node-llama-cpp could not be loaded (${(err as Error).message}): ${INSTALL_HINT}`);
  });
  return bindingPromise;
}

/** The process-wide llama.cpp instance: prebuilt CPU binary only, quiet logs. */
async function getSharedLlama(): Promise<Llama> {
  llamaPromise ??= (async () => {
    const nlc = await loadNodeLlamaCpp();
    try {
      return await nlc.getLlama({ build: "never", gpu: false, logLevel: nlc.LlamaLogLevel.error, progressLogs: false });
    } catch (err) {
      throw new ProviderConfigError(
        `node-llama-cpp has no prebuilt llama.cpp binary for this platform (${process.platform}-${process.arch}) and building from source is disabled: ${(err as Error).message}`,
      );
    }
  })().catch((err: unknown) => {
    llamaPromise = undefined;
    throw err;
  });
  return llamaPromise;
}

/**
 * The seed llama.cpp samples with: the request's seed mixed with its sample index and its prompt.
 * The prompt matters: with one seed for every item, the k-th sample of every item would draw the
 * same random numbers, so one unlucky draw would hit all items at once.
 */
/** Where the first of the stop strings starts in `text`, or -1. */
export function stopAt(text: string, stop: readonly string[]): number {
  let at = -1;
  for (const s of stop) {
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}

export function ggufSeed(request: Pick<CallRequest, "sampling" | "sampleIndex" | "messages">): number {
  // llama.cpp treats 0xFFFFFFFF as "random", so stay below it.
  return mixKeys(request.sampling.seed ?? 0, request.sampleIndex, hashString(ggufPromptText(request.messages))) % 0xffffffff;
}

/** The prompt text: message contents concatenated in order (see the module comment). */
export function ggufPromptText(messages: CallRequest["messages"]): string {
  return messages.map((m) => m.content).join("");
}

interface Loaded {
  model: LlamaModel;
  context: LlamaContext;
  free: LlamaContextSequence[];
  waiting: Array<(s: LlamaContextSequence) => void>;
}

/** Runs one GGUF model in-process. Loads the model on first use and keeps it until {@link close}. */
export class GgufProvider implements Provider {
  readonly specificationVersion = "v1" as const;
  readonly provider = "gguf";
  readonly path: string;
  private readonly threads: number;
  private readonly contextTokens: number | undefined;
  private readonly sequences: number;
  private loading: Promise<Loaded> | undefined;
  private closed = false;

  constructor(options: GgufProviderOptions) {
    this.path = options.path;
    this.threads = options.threads ?? 1;
    this.contextTokens = options.contextTokens;
    this.sequences = options.sequences ?? 2;
    if (!Number.isInteger(this.threads) || this.threads < 1) throw new ProviderConfigError(`threads must be a positive integer, got ${this.threads}`, this.path);
    if (!Number.isInteger(this.sequences) || this.sequences < 1) throw new ProviderConfigError(`sequences must be a positive integer, got ${this.sequences}`, this.path);
  }

  private load(): Promise<Loaded> {
    this.loading ??= (async () => {
      if (!existsSync(this.path)) throw new ProviderConfigError(`GGUF model file ${this.path} does not exist`, this.path);
      const llama = await getSharedLlama();
      let model: LlamaModel;
      try {
        model = await llama.loadModel({ modelPath: this.path, gpuLayers: 0 });
      } catch (err) {
        throw new ProviderConfigError(`${this.path}: not a GGUF model llama.cpp can load: ${(err as Error).message}`, this.path);
      }
      const contextSize = this.contextTokens ?? Math.min(model.trainContextSize, 4096);
      const context = await model.createContext({ contextSize, sequences: this.sequences, threads: this.threads });
      const free: LlamaContextSequence[] = [];
      for (let i = 0; i < this.sequences; i++) free.push(context.getSequence());
      return { model, context, free, waiting: [] };
    })().catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  private acquire(loaded: Loaded): Promise<LlamaContextSequence> {
    const s = loaded.free.pop();
    if (s) return Promise.resolve(s);
    return new Promise((resolve) => loaded.waiting.push(resolve));
  }

  private release(loaded: Loaded, s: LlamaContextSequence): void {
    const next = loaded.waiting.shift();
    if (next) next(s);
    else loaded.free.push(s);
  }

  /** Token ids of a text as this model tokenizes it (no BOS). */
  async tokenize(text: string): Promise<number[]> {
    const { model } = await this.load();
    return model.tokenize(text);
  }

  /** The context size in tokens per sequence, once loaded. */
  async contextSize(): Promise<number> {
    return (await this.load()).context.contextSize;
  }

  async generate(request: CallRequest): Promise<CallResult> {
    if (this.closed) throw new ProviderCallError(`the GGUF provider for ${this.path} is closed`, { isRetryable: false, code: "provider_closed" });
    const loaded = await this.load();
    const { model } = loaded;
    const promptTokens = model.tokenize(ggufPromptText(request.messages));
    const bos = model.tokens.bos;
    const input = bos !== null && model.tokens.shouldPrependBosToken ? [bos, ...promptTokens] : promptTokens;
    const contextSize = loaded.context.contextSize;
    if (input.length >= contextSize) {
      throw new ProviderCallError(`prompt of ${input.length} tokens does not fit the context of ${contextSize} tokens of ${this.path}`, {
        isRetryable: false,
        code: "context_overflow",
      });
    }
    const maxTokens = Math.min(request.sampling.maxTokens, contextSize - input.length);
    // Generation stops at the end of the context (finish reason `length`), never shifts it.
    const warnings: string[] = [];

    const sequence = await this.acquire(loaded);
    // Latency is the model's own work: waiting for a free sequence is not counted.
    const started = performance.now();
    const generated: Token[] = [];
    const stop = request.sampling.stop;
    let stopped = false;
    let finishReason: CallResult["finishReason"] = "length";
    try {
      await sequence.clearHistory();
      if (maxTokens > 0) {
        const temperature = request.sampling.temperature;
        const tokens = sequence.evaluate(input, {
          temperature,
          seed: ggufSeed(request),
          topK: 0,
          topP: request.sampling.topP ?? 1,
          yieldEogToken: true,
        });
        for await (const token of tokens) {
          if (request.signal?.aborted) throw new ProviderCallError("the call was aborted", { isRetryable: false, code: "aborted" });
          generated.push(token);
          if (model.isEogToken(token)) {
            finishReason = "stop";
            break;
          }
          if (stop && stopAt(model.detokenize(generated, false, input), stop) >= 0) {
            finishReason = "stop";
            stopped = true;
            break;
          }
          if (generated.length >= maxTokens) break;
        }
      }
    } catch (err) {
      if (ProviderCallError.isInstance(err)) throw err;
      throw new ProviderCallError(`llama.cpp failed on ${this.path}: ${(err as Error).message}`, { isRetryable: false, code: "gguf_eval", cause: err });
    } finally {
      this.release(loaded, sequence);
    }
    const latencyMs = performance.now() - started;
    const textTokens = finishReason === "stop" && !stopped ? generated.slice(0, -1) : generated;
    let text = model.detokenize(textTokens, false, input);
    // As OpenAI-compatible servers do, the stop string and anything after it are left out.
    if (stopped) text = text.slice(0, stopAt(text, stop!));
    return {
      text,
      finishReason,
      rawFinishReason: stopped ? "stop" : finishReason === "stop" ? "eos" : "max_tokens",
      usage: { promptTokens: input.length, completionTokens: generated.length, raw: { promptTokens: input.length, completionTokens: generated.length } },
      latencyMs,
      warnings,
    };
  }

  /** Free the context and the model. Calls after this fail. */
  async close(): Promise<void> {
    this.closed = true;
    const loading = this.loading;
    this.loading = undefined;
    if (!loading) return;
    const loaded = await loading.catch(() => undefined);
    if (!loaded) return;
    await loaded.context.dispose();
    await loaded.model.dispose();
  }
}

/** What the cost model needs about a GGUF file, read from its header (no weights are loaded). */
export interface GgufFacts {
  architecture: string;
  /** Parameter count: every element of every tensor. */
  params: number;
  layers: number;
  hidden: number;
  contextLength: number;
  vocabSize: number;
}

/** Read a GGUF file's architecture, size and parameter count from its header. */
export async function readGgufFacts(path: string): Promise<GgufFacts> {
  const nlc = await loadNodeLlamaCpp();
  if (!existsSync(path)) throw new ProviderConfigError(`GGUF model file ${path} does not exist`, path);
  const info = await nlc.readGgufFileInfo(path, { logWarnings: false });
  const arch = String(info.metadata.general.architecture);
  const archMeta = (info.metadata as unknown as Record<string, Record<string, unknown>>)[arch] ?? {};
  const params = (info.fullTensorInfo ?? info.tensorInfo ?? []).reduce((sum, t) => sum + t.dimensions.reduce<number>((a, d) => a * Number(d), 1), 0);
  return {
    architecture: arch,
    params,
    layers: Number(archMeta["block_count"]),
    hidden: Number(archMeta["embedding_length"]),
    contextLength: Number(archMeta["context_length"]),
    vocabSize: info.metadata.tokenizer.ggml.tokens.length,
  };
}
