/**
 * Asking an LLM for a JSON object, the one way every LLM-driven optimizer does it: parse the reply
 * (JSON inside prose or a code fence is found), check it, and on failure send it back with the
 * problems listed; after the last failed attempt the caller's fallback is used, and the log says so.
 * Every call goes through the harness's agent channel, so it is logged and replayable.
 */
import type { Issue } from "../../errors.js";
import type { ChatMessage } from "../../tasks/types.js";
import type { SearchEvent } from "../events.js";
import type { AgentChannel } from "../types.js";

/** Replies longer than this are rejected unread. */
export const MAX_REPLY_CHARS = 64_000;

/** The JSON object in a reply: the whole text, a fenced block, or the outermost braces. */
export function extractJson(text: string): { value: unknown } | { error: string } {
  const t = text.trim();
  const candidates: string[] = [t];
  const fence = /```(?:json)?\s*([\s\S]*?)```/i.exec(t);
  if (fence) candidates.push(fence[1]!.trim());
  const first = t.indexOf("{");
  const last = t.lastIndexOf("}");
  if (first >= 0 && last > first) candidates.push(t.slice(first, last + 1));
  let lastError = "no JSON object found in the reply";
  for (const c of candidates) {
    if (!c.startsWith("{")) continue;
    try {
      return { value: JSON.parse(c) };
    } catch (err) {
      lastError = `not valid JSON: ${(err as Error).message}`;
    }
  }
  return { error: lastError };
}

/** The rejected reply and what was wrong with it, to append to the conversation. */
export function repairMessage(reply: string, problems: string[]): ChatMessage[] {
  return [
    { role: "assistant", content: reply.length > 2000 ? reply.slice(0, 2000) + " [...]" : reply },
    { role: "user", content: `Your reply was rejected:\n${problems.map((p) => `- ${p}`).join("\n")}\nReply again with only the corrected JSON object.` },
  ];
}

export interface JsonRequest<T> {
  channel: AgentChannel;
  emit: (event: SearchEvent) => void;
  /** e.g. `init`, `update`, `edit`: part of the replay key and of the log. */
  purpose: string;
  iteration: number;
  messages: ChatMessage[];
  schema: { name: string; schema: unknown };
  /** Check a parsed reply: the value to use, or every problem with it. */
  check: (value: unknown) => { value: T } | { issues: Issue[] };
  maxAttempts: number;
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  /** What stands in after the last failure, for the log (e.g. "the rule agent's update is used"). */
  fallback: string;
  /**
   * A call that fails outright (its endpoint's retries spent) ends the asking at once when given:
   * told the failure, it returns the reason logged with the fallback. Without it the next attempt is made.
   */
  onCallFailed?: ((message: string) => string) | undefined;
}

const describeIssue = (i: Issue) => `${i.path ? i.path + ": " : ""}${i.message}`;

/** Ask, parse, check; retry with the problems shown; undefined after the last failure (the fallback logged). */
export async function askJson<T>(r: JsonRequest<T>): Promise<T | undefined> {
  const attempts = Math.max(1, r.maxAttempts);
  let messages = r.messages;
  let lastReason = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let text: string;
    try {
      text = (await r.channel.chat({ purpose: r.purpose, messages, jsonSchema: r.schema, maxTokens: r.maxTokens ?? 4096, temperature: r.temperature ?? 0.2 })).text;
    } catch (err) {
      const e = err as { message?: string };
      const issues = [{ code: "call_failed", path: "", message: `the agent call failed: ${e.message ?? String(err)}` }];
      r.emit({ type: "agent.rejected", iteration: r.iteration, purpose: r.purpose, attempt, issues, excerpt: "" });
      if (r.onCallFailed) {
        r.emit({ type: "agent.fallback", iteration: r.iteration, purpose: r.purpose, reason: r.onCallFailed(e.message ?? String(err)) });
        return undefined;
      }
      lastReason = issues[0]!.message;
      continue;
    }
    let issues: Issue[];
    if (text.length > MAX_REPLY_CHARS) {
      issues = [{ code: "reply_too_long", path: "", message: `the reply has ${text.length} characters; the limit is ${MAX_REPLY_CHARS}: answer with the JSON object only` }];
    } else {
      const json = extractJson(text);
      if ("error" in json) issues = [{ code: "not_json", path: "", message: `${json.error}; the reply must be one JSON object` }];
      else {
        const checked = r.check(json.value);
        if ("value" in checked) return checked.value;
        issues = checked.issues;
      }
    }
    r.emit({ type: "agent.rejected", iteration: r.iteration, purpose: r.purpose, attempt, issues, excerpt: text.slice(0, 300) });
    lastReason = issues.map(describeIssue).join("; ");
    messages = [...r.messages, ...repairMessage(text.length > MAX_REPLY_CHARS ? text.slice(0, 500) : text, issues.map((i) => `${describeIssue(i)} [${i.code}]`))];
  }
  r.emit({ type: "agent.fallback", iteration: r.iteration, purpose: r.purpose, reason: `${attempts} attempt${attempts > 1 ? "s" : ""} failed (last: ${lastReason.slice(0, 500)}); ${r.fallback}` });
  return undefined;
}
