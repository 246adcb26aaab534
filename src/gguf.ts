/**
 * `tts-graph/gguf`: GGUF models run in-process on llama.cpp, and the writer the project's tiny models
 * are exported with. Running a model (and this entry's types) needs the optional package
 * `node-llama-cpp`; nothing else in the package does.
 */
export { GgufProvider, readGgufFacts, ggufSeed, ggufPromptText, loadNodeLlamaCpp, type GgufProviderOptions, type GgufFacts } from "./models/gguf.js";
export { writeGguf, float32ToFloat16Bits, float16BitsToNumber, type GgufFile, type GgufTensor, type GgufValue, type GgufTensorType } from "./models/gguf-writer.js";
export { llamaGguf, exportTinyModel, readTinyModel, CONCAT_CHAT_TEMPLATE, type LlamaGgufSpec, type LlamaConfig, type TorchTensor } from "./models/gguf-llama.js";
