/**
 * The chat-completions request as the server accepts it. Unknown fields are allowed (clients send
 * many), but the fields the server acts on are checked, and every problem is reported at once.
 */
import { z } from "zod";
import { formatPath } from "../util/files.js";
import { HttpError } from "./errors.js";

const ContentPartSchema = z.object({ type: z.string(), text: z.string().optional() }).loose();

const MessageSchema = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
    content: z.union([z.string(), z.array(ContentPartSchema), z.null()]).optional(),
  })
  .loose();

export const ChatRequestSchema = z
  .object({
    model: z.string({ error: (i) => (i.input === undefined ? "`model` is required" : "`model` must be a string") }).min(1, "`model` is empty"),
    messages: z
      .array(MessageSchema, { error: (i) => (i.input === undefined ? "`messages` is required" : "`messages` must be a list of messages") })
      .min(1, "`messages` is empty: send at least one user message"),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().nullish() }).loose().nullish(),
    n: z.number().int().nullish(),
    seed: z.number().int().nullish(),
    temperature: z.number().nullish(),
    top_p: z.number().nullish(),
    max_tokens: z.number().int().nullish(),
    max_completion_tokens: z.number().int().nullish(),
    response_format: z.object({ type: z.string() }).loose().nullish(),
    tools: z.array(z.unknown()).nullish(),
  })
  .loose();

export type ChatRequest = z.infer<typeof ChatRequestSchema>;
export type ChatRequestMessage = z.infer<typeof MessageSchema>;

/** Validate a parsed body; a bad one is a 400 naming the first offending field and listing every problem. */
export function parseChatRequest(data: unknown): ChatRequest {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new HttpError(400, "invalid_body", "the request body must be a JSON object with `model` and `messages`");
  }
  const r = ChatRequestSchema.safeParse(data);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: formatPath(i.path as PropertyKey[]), message: i.message }));
  const message = issues.map((i) => (i.path && !i.message.includes(`\`${i.path}\``) ? `${i.path}: ${i.message}` : i.message)).join("; ");
  return badRequest(issues[0]!.path || null, message);
}

function badRequest(param: string | null, message: string, code = "invalid_request"): never {
  throw new HttpError(400, code, message, { param });
}

/** The text of a message's content: a string, or the text parts of a list joined. */
function contentText(m: ChatRequestMessage, index: number): string {
  if (typeof m.content === "string") return m.content;
  if (m.content === null || m.content === undefined) return "";
  const other = m.content.findIndex((p) => p.type !== "text");
  if (other >= 0) badRequest(`messages[${index}].content[${other}]`, `content parts of type "${m.content[other]!.type}" are not supported: a graph answers text only`, "unsupported_content");
  return m.content.map((p) => p.text ?? "").join("");
}

/** The question a graph answers: the last user message. */
export function lastUserMessage(req: ChatRequest): string {
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const m = req.messages[i]!;
    if (m.role !== "user") continue;
    const text = contentText(m, i);
    if (text.trim() === "") badRequest(`messages[${i}].content`, "the last user message is empty");
    return text;
  }
  return badRequest("messages", "`messages` has no user message: the graph answers the last user message");
}

/**
 * Fields the server refuses rather than ignore: more than one choice, structured output and tools
 * cannot be honoured by running a graph once.
 */
export function checkSupported(req: ChatRequest): void {
  if (req.n !== undefined && req.n !== null && req.n !== 1) badRequest("n", `n = ${req.n} is not supported: a request runs the graph once (send several requests, with different seeds, for several answers)`, "unsupported_parameter");
  if (req.response_format && req.response_format.type !== "text") badRequest("response_format", `response_format "${req.response_format.type}" is not supported: a graph answers in its task's format`, "unsupported_parameter");
  if (req.tools && req.tools.length > 0) badRequest("tools", "tools are not supported: a graph answers text only", "unsupported_parameter");
}

/** Sampling fields the request set that the server does not apply (each node samples with the server's settings). */
export function ignoredSampling(req: ChatRequest): string[] {
  const fields = ["temperature", "top_p", "max_tokens", "max_completion_tokens"] as const;
  return fields.filter((f) => req[f] !== undefined && req[f] !== null).map((f) => `${f} is not applied: every node of the graph samples with the server's settings`);
}
