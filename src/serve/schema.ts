/**
 * The requests the server accepts: chat completions and (legacy) completions. The fields the server
 * acts on are checked, every problem reported at once. A field it cannot honour is refused with a
 * 400 naming it (`param`), never ignored: a client asking for log-probabilities or tools must not
 * get an answer that silently lacks them. Fields with no effect on an answer (`user`, `metadata`)
 * are accepted.
 */
import { z } from "zod";
import type { ChatMessage } from "../tasks/types.js";
import { formatPath } from "../util/files.js";
import { HttpError } from "./errors.js";

const ContentPartSchema = z.object({ type: z.string(), text: z.string().optional() }).loose();

const MessageSchema = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
    content: z.union([z.string(), z.array(ContentPartSchema), z.null()]).optional(),
    tool_calls: z.array(z.unknown()).nullish(),
  })
  .loose();

const StopSchema = z.union([z.string().min(1, "a stop sequence is empty"), z.array(z.string().min(1, "a stop sequence is empty")).max(4, "at most 4 stop sequences")]).nullish();

/** Fields both endpoints share: sampling, seed and streaming. */
const commonShape = {
  model: z.string({ error: (i) => (i.input === undefined ? "`model` is required" : "`model` must be a string") }).min(1, "`model` is empty"),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).loose().nullish(),
  n: z.number().int().nullish(),
  seed: z.number().int().refine(Number.isSafeInteger, "`seed` is too large").nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  stop: StopSchema,
  user: z.string().nullish(),
};

export const ChatRequestSchema = z
  .object({
    ...commonShape,
    messages: z
      .array(MessageSchema, { error: (i) => (i.input === undefined ? "`messages` is required" : "`messages` must be a list of messages") })
      .min(1, "`messages` is empty: send at least one user message"),
    max_completion_tokens: z.number().int().positive().nullish(),
    metadata: z.record(z.string(), z.string()).nullish(),
  })
  .loose();

export const CompletionRequestSchema = z
  .object({
    ...commonShape,
    prompt: z.union([z.string(), z.array(z.string()).length(1, "`prompt` as a list must hold exactly one string (a request runs the graph once)")], {
      error: (i) => (i.input === undefined ? "`prompt` is required" : "`prompt` must be a string"),
    }),
  })
  .loose();

export type ChatRequest = z.infer<typeof ChatRequestSchema>;
export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;
export type ChatRequestMessage = z.infer<typeof MessageSchema>;

function badRequest(param: string | null, message: string, code = "invalid_request"): never {
  throw new HttpError(400, code, message, { param });
}

function unsupported(param: string, message: string): never {
  return badRequest(param, message, "unsupported_parameter");
}

/** Validate a parsed body against a schema; a bad one is a 400 naming the first offending field and listing every problem. */
function parseBody<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new HttpError(400, "invalid_body", `the request body must be a JSON object with ${what}`);
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: formatPath(i.path as PropertyKey[]), message: i.message }));
  const message = issues.map((i) => (i.path && !i.message.includes(`\`${i.path}\``) ? `${i.path}: ${i.message}` : i.message)).join("; ");
  return badRequest(issues[0]!.path || null, message);
}

/**
 * What each accepted field may be: a field absent from the table is refused as unknown, and a
 * present one whose value asks for something the server cannot do is refused with the reason.
 */
type FieldRule = true | ((v: unknown) => string | undefined);

const isOff = (v: unknown) => v === undefined || v === null || v === false || v === 0 || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && Object.keys(v).length === 0);

const COMMON_RULES: Record<string, FieldRule> = {
  model: true,
  stream: true,
  stream_options: true,
  seed: true,
  temperature: true,
  top_p: true,
  max_tokens: true,
  stop: true,
  user: true,
  n: (v) => (v === undefined || v === null || v === 1 ? undefined : `n = ${String(v)} is not supported: a request runs the graph once (send several requests, with different seeds or none, for several answers)`),
  logprobs: (v) => (isOff(v) ? undefined : "logprobs are not supported: a graph's answer is not one model's sampled tokens"),
  logit_bias: (v) => (isOff(v) ? undefined : "logit_bias is not supported: the graph's nodes may be different models with different vocabularies"),
  presence_penalty: (v) => (isOff(v) ? undefined : "presence_penalty is not supported: the graph's calls are made without penalties"),
  frequency_penalty: (v) => (isOff(v) ? undefined : "frequency_penalty is not supported: the graph's calls are made without penalties"),
};

const CHAT_RULES: Record<string, FieldRule> = {
  ...COMMON_RULES,
  messages: true,
  max_completion_tokens: true,
  metadata: true,
  top_logprobs: (v) => (isOff(v) ? undefined : "top_logprobs is not supported: a graph's answer is not one model's sampled tokens"),
  tools: (v) => (isOff(v) ? undefined : "tools are not supported: a graph answers text only"),
  tool_choice: (v) => (isOff(v) || v === "none" ? undefined : "tool_choice is not supported: a graph answers text only"),
  functions: (v) => (isOff(v) ? undefined : "functions are not supported: a graph answers text only"),
  function_call: (v) => (isOff(v) || v === "none" ? undefined : "function_call is not supported: a graph answers text only"),
  parallel_tool_calls: true,
  response_format: (v) => (isOff(v) || (v as { type?: unknown }).type === "text" ? undefined : `response_format "${String((v as { type?: unknown }).type)}" is not supported: a graph answers in its task's format`),
  store: (v) => (isOff(v) ? undefined : "store is not supported: the server keeps no completions"),
  modalities: (v) => (isOff(v) || (Array.isArray(v) && v.every((m) => m === "text")) ? undefined : "only the text modality is supported"),
  audio: (v) => (isOff(v) ? undefined : "audio output is not supported: a graph answers text only"),
};

const COMPLETION_RULES: Record<string, FieldRule> = {
  ...COMMON_RULES,
  prompt: true,
  echo: (v) => (isOff(v) ? undefined : "echo is not supported"),
  best_of: (v) => (v === undefined || v === null || v === 1 ? undefined : "best_of is not supported: a request runs the graph once"),
  suffix: (v) => (v === undefined || v === null || v === "" ? undefined : "suffix is not supported: a graph answers a question, it does not insert text"),
};

function checkFields(body: Record<string, unknown>, rules: Record<string, FieldRule>): void {
  for (const [key, value] of Object.entries(body)) {
    const rule = rules[key];
    if (rule === undefined) unsupported(key, `the parameter \`${key}\` is not supported by this server (it serves tts-graph graphs; see the README for the parameters it honours)`);
    if (rule === true) continue;
    const why = rule(value);
    if (why !== undefined) unsupported(key, why);
  }
}

/** A chat-completions body, validated, with every field it sets honoured or refused. */
export function parseChatRequest(data: unknown): ChatRequest {
  const req = parseBody(ChatRequestSchema, data, "`model` and `messages`");
  checkFields(req as Record<string, unknown>, CHAT_RULES);
  if (req.max_tokens != null && req.max_completion_tokens != null && req.max_tokens !== req.max_completion_tokens) {
    badRequest("max_completion_tokens", "max_tokens and max_completion_tokens disagree: send one of them");
  }
  return req;
}

/** A completions body, validated likewise. */
export function parseCompletionRequest(data: unknown): CompletionRequest {
  const req = parseBody(CompletionRequestSchema, data, "`model` and `prompt`");
  checkFields(req as Record<string, unknown>, COMPLETION_RULES);
  return req;
}

/** The text of a message's content: a string, or the text parts of a list joined. */
function contentText(m: ChatRequestMessage, index: number): string {
  if (typeof m.content === "string") return m.content;
  if (m.content === null || m.content === undefined) return "";
  const other = m.content.findIndex((p) => p.type !== "text");
  if (other >= 0) badRequest(`messages[${index}].content[${other}]`, `content parts of type "${m.content[other]!.type}" are not supported: a graph answers text only`, "unsupported_content");
  return m.content.map((p) => p.text ?? "").join("");
}

/**
 * A conversation as a graph sees it: the client's system prompt (its system and developer messages,
 * in order), the earlier turns, and the question (the last user message).
 */
export interface Conversation {
  system: string[];
  history: ChatMessage[];
  question: string;
}

/** The conversation of a chat request; refuses tool turns and anything after the last user message. */
export function conversationOf(req: ChatRequest): Conversation {
  let last = -1;
  req.messages.forEach((m, i) => {
    if (m.role === "user") last = i;
  });
  if (last < 0) badRequest("messages", "`messages` has no user message: the graph answers the last user message");
  const system: string[] = [];
  const history: ChatMessage[] = [];
  req.messages.forEach((m, i) => {
    if (m.role === "tool" || m.role === "function") badRequest(`messages[${i}].role`, `messages of role "${m.role}" are not supported: a graph answers text only`, "unsupported_content");
    if (m.tool_calls && m.tool_calls.length > 0) badRequest(`messages[${i}].tool_calls`, "tool calls are not supported: a graph answers text only", "unsupported_content");
    if (i > last) badRequest(`messages[${i}]`, "the conversation must end with a user message: the graph answers the last user message (an assistant message after it cannot be continued)");
    const text = contentText(m, i);
    if (m.role === "system" || m.role === "developer") {
      if (text.trim() !== "") system.push(text);
    } else if (i < last) history.push({ role: m.role as "user" | "assistant", content: text });
  });
  const question = contentText(req.messages[last]!, last);
  if (question.trim() === "") badRequest(`messages[${last}].content`, "the last user message is empty");
  return { system, history, question };
}

/** The conversation of a completions request: its prompt is the question. */
export function promptConversation(req: CompletionRequest): Conversation {
  const question = typeof req.prompt === "string" ? req.prompt : req.prompt[0]!;
  if (question.trim() === "") badRequest("prompt", "`prompt` is empty");
  return { system: [], history: [], question };
}

/** The request's stop sequences as a list. */
export function stopSequences(req: { stop?: string | string[] | null | undefined }): string[] {
  return req.stop == null ? [] : typeof req.stop === "string" ? [req.stop] : req.stop;
}
