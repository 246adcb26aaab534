/**
 * The LLM agent: the same decisions as the rule agent, written by a language model reached through
 * the harness's agent channel (so every call is logged and replayable). Each reply is parsed,
 * repaired where that is safe (JSON inside prose or a code fence, deltas beyond the bound),
 * validated with the schema and against the search space, and on failure sent back to the model
 * with the problems listed. After `maxAttempts` failures the rule agent's answer is used, and the
 * log says so. The rule agent sees every iteration either way, so its statistics stay current.
 *
 * A call that fails outright (its endpoint's retries spent) opens a circuit breaker: the agent is not
 * called again, and the rule agent decides for the rest of the run, each decision logged as a
 * fallback. The probe before the run has already found the endpoint answering, so this is an outage
 * mid-run, and the search's own evaluations need not stop for it.
 */
import type { Issue } from "../errors.js";
import type { SearchEvent } from "../search/events.js";
import type { AgentChannel } from "../search/types.js";
import type { ChatMessage } from "../tasks/types.js";
import { initMessages, repairMessage, updateMessages } from "./prompts.js";
import type { Agent, InitInput, UpdateInput } from "./types.js";
import {
  agentUpdateJsonSchema,
  extractJson,
  initDecisionJsonSchema,
  InitDecisionSchema,
  parseAgentUpdate,
  repairUpdate,
  validateUpdate,
  type AgentUpdate,
  type InitDecision,
} from "./update.js";
import { zodIssues } from "../util/files.js";

/** Replies longer than this are rejected unread. */
export const MAX_REPLY_CHARS = 64_000;

export interface LlmAgentOptions {
  channel: AgentChannel;
  /** Used when the LLM fails `maxAttempts` times in a row. */
  fallback: Agent;
  emit: (event: SearchEvent) => void;
  maxAttempts?: number | undefined;
  temperature?: number | undefined;
  maxTokens?: number | undefined;
}

export class LlmAgent implements Agent {
  readonly name: string;
  private readonly opts: LlmAgentOptions;
  /** Why the agent is no longer called (its call failed at this iteration), once it is not. */
  private down: string | undefined;

  constructor(options: LlmAgentOptions) {
    this.opts = options;
    this.name = options.channel.model;
  }

  async initialise(input: InitInput, iteration: number): Promise<InitDecision> {
    const ids = new Set(input.candidates.map((c) => c.id));
    const fallback = await this.opts.fallback.initialise(input, iteration);
    const got = await this.ask<InitDecision>("init", iteration, initMessages(input), { name: "init_decision", schema: initDecisionJsonSchema() }, (value) => {
      const r = InitDecisionSchema.safeParse(value);
      if (!r.success) return { issues: zodIssues(r.error) };
      const issues: Issue[] = [];
      r.data.multisets.forEach((id, i) => {
        if (!ids.has(id)) issues.push({ code: "unknown_candidate", path: `multisets[${i}]`, message: `"${id}" is not one of the candidate ids (${[...ids].slice(0, 12).join(", ")}${ids.size > 12 ? ", ..." : ""})` });
      });
      return issues.length > 0 ? { issues } : { value: { multisets: [...new Set(r.data.multisets)].slice(0, input.pick), rationale: r.data.rationale } };
    });
    return got ?? fallback;
  }

  async update(input: UpdateInput): Promise<AgentUpdate> {
    // The rule agent sees every iteration, so its smoothed statistics are current when it stands in.
    const fallback = await this.opts.fallback.update(input);
    const got = await this.ask<AgentUpdate>("update", input.iteration, updateMessages(input), { name: "agent_update", schema: agentUpdateJsonSchema() }, (value) => {
      const repaired = repairUpdate(value);
      const parsed = parseAgentUpdate(repaired.value);
      if ("issues" in parsed) return { issues: parsed.issues };
      const issues = validateUpdate(parsed.update, input.dist);
      if (issues.length > 0) return { issues };
      const note = repaired.repairs.length > 0 ? `\n[repaired: ${repaired.repairs.join("; ")}]` : "";
      return { value: { ...parsed.update, feedback: (parsed.update.feedback + note).slice(0, 4000) } };
    });
    return got ?? fallback;
  }

  /** Ask, parse, check; retry with the problems shown; undefined after the last failure (fallback logged). */
  private async ask<T>(purpose: string, iteration: number, base: ChatMessage[], schema: { name: string; schema: unknown }, check: (value: unknown) => { value: T } | { issues: Issue[] }): Promise<T | undefined> {
    if (this.down !== undefined) {
      this.opts.emit({ type: "agent.fallback", iteration, purpose, reason: `${this.down}; the rule agent's ${purpose} is used` });
      return undefined;
    }
    const attempts = Math.max(1, this.opts.maxAttempts ?? 3);
    let messages = base;
    let lastReason = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let text: string;
      try {
        const r = await this.opts.channel.chat({ purpose, messages, jsonSchema: schema, maxTokens: this.opts.maxTokens ?? 4096, temperature: this.opts.temperature ?? 0.2 });
        text = r.text;
      } catch (err) {
        const e = err as { code?: string; message?: string };
        const issues = [{ code: "call_failed", path: "", message: `the agent call failed: ${e.message ?? String(err)}` }];
        this.opts.emit({ type: "agent.rejected", iteration, purpose, attempt, issues, excerpt: "" });
        this.down = `the agent is not called again after its call failed at iteration ${iteration} (${(e.message ?? String(err)).slice(0, 300)})`;
        this.opts.emit({ type: "agent.fallback", iteration, purpose, reason: `${this.down}; the rule agent decides for the rest of the run` });
        return undefined;
      }
      let issues: Issue[];
      if (text.length > MAX_REPLY_CHARS) {
        issues = [{ code: "reply_too_long", path: "", message: `the reply has ${text.length} characters; the limit is ${MAX_REPLY_CHARS}: answer with the JSON object only` }];
      } else {
        const json = extractJson(text);
        if ("error" in json) issues = [{ code: "not_json", path: "", message: `${json.error}; the reply must be one JSON object` }];
        else {
          const r = check(json.value);
          if ("value" in r) return r.value;
          issues = r.issues;
        }
      }
      this.opts.emit({ type: "agent.rejected", iteration, purpose, attempt, issues, excerpt: text.slice(0, 300) });
      lastReason = issues.map((i) => `${i.path ? i.path + ": " : ""}${i.message}`).join("; ");
      messages = [...base, ...repairMessage(text.length > MAX_REPLY_CHARS ? text.slice(0, 500) : text, issues.map((i) => `${i.path ? i.path + ": " : ""}${i.message} [${i.code}]`))];
    }
    this.opts.emit({ type: "agent.fallback", iteration, purpose, reason: `${attempts} attempt${attempts > 1 ? "s" : ""} failed (last: ${lastReason.slice(0, 500)}); the rule agent's ${purpose} is used` });
    return undefined;
  }
}
