/** A pool model's `reasoning` section, apart from the code that reads reasoning, so model specs need no provider types. */
import { z } from "zod";

export const ReasoningSchema = z
  .object({
    /**
     * The request field limiting generated tokens: `max_tokens` (vLLM, SGLang, llama.cpp, Ollama) or
     * `max_completion_tokens` (OpenAI's reasoning models, which refuse `max_tokens`).
     */
    tokenLimitParam: z.enum(["max_tokens", "max_completion_tokens"]).default("max_tokens"),
    /**
     * Where the reasoning is: `think-tags` (in the text, between `tags`; a text with only the closing
     * tag, as when the chat template opens the block, counts too) or `field` (the server's reasoning
     * parser moved it to `reasoning_content`, which is read in every case).
     */
    format: z.enum(["think-tags", "field"]).default("think-tags"),
    /** Opening and closing tags of a reasoning block. */
    tags: z.tuple([z.string().min(1), z.string().min(1)]).default(["<think>", "</think>"]),
  })
  .strict();
export type ReasoningOptions = z.infer<typeof ReasoningSchema>;
