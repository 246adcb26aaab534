/**
 * The parts of node-llama-cpp the embedded provider uses, typed here: the package is an opt-in
 * install (its llama.cpp builds weigh hundreds of megabytes), so the project must build and
 * type-check without it. The package itself is imported at run time, on first use.
 */

/** A token id. */
export type Token = number;

export interface LlamaContextSequence {
  clearHistory(): Promise<void>;
  evaluate(tokens: Token[], options: { temperature: number; seed: number; topK: number; topP: number; yieldEogToken: boolean }): AsyncIterable<Token>;
}

export interface LlamaContext {
  readonly contextSize: number;
  getSequence(): LlamaContextSequence;
  dispose(): Promise<void>;
}

export interface LlamaModel {
  readonly trainContextSize: number;
  readonly tokens: { readonly bos: Token | null; readonly shouldPrependBosToken: boolean };
  tokenize(text: string): Token[];
  detokenize(tokens: readonly Token[], specialTokens?: boolean, lastTokens?: readonly Token[]): string;
  isEogToken(token: Token): boolean;
  createContext(options: { contextSize: number; sequences: number; threads: number }): Promise<LlamaContext>;
  dispose(): Promise<void>;
}

export interface Llama {
  loadModel(options: { modelPath: string; gpuLayers: number }): Promise<LlamaModel>;
}

/** One tensor of a GGUF file. */
export interface GgufTensor {
  name: string;
  dimensions: readonly (number | bigint)[];
  ggmlType: number;
}

/** What `readGgufFileInfo` returns, as far as it is read. */
export interface GgufFileInfo {
  metadata: { general: { architecture: unknown }; tokenizer: { ggml: { tokens: readonly unknown[] }; chat_template?: unknown } };
  tensorInfo?: readonly GgufTensor[] | undefined;
  fullTensorInfo?: readonly GgufTensor[] | undefined;
}

/** The module's exports used here. */
export interface NodeLlamaCpp {
  getLlama(options: { build: "never"; gpu: false; logLevel: unknown; progressLogs: boolean }): Promise<Llama>;
  LlamaLogLevel: { error: unknown };
  /** Tensor element types by name (F32, F16, ...). */
  GgmlType: Record<string, number>;
  readGgufFileInfo(path: string, options: { logWarnings: boolean }): Promise<GgufFileInfo>;
}

/** The package name, held in a variable so the compiler does not look for the package. */
const PACKAGE = "node-llama-cpp";

/** Import the package (rejects when it is not installed). */
export function importNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  return import(PACKAGE) as Promise<NodeLlamaCpp>;
}
