/**
 * The LLM agent: the same decisions as the rule agent, written by a language model reached through
 * the harness's agent channel (so every call is logged and replayable). Each reply is parsed
 * (../llm-json.ts), repaired where that is safe (JSON inside prose or a code fence, deltas beyond the bound),
 * validated with the schema and against the search space, and on failure sent back to the model
 * with the problems listed. After `maxAttempts` failures the rule agent's answer is used, and the
 * log says so. The rule agent sees every iteration either way, so its statistics stay current.
 *
 * A call that fails outright (its endpoint's retries spent) opens a circuit breaker: the agent is not
 * called again, and the rule agent decides for the rest of the run, each decision logged as a
 * fallback. The probe before the run has already found the endpoint answering, so this is an outage
 * mid-run, and the search's own evaluations need not stop for it.
 */
import type { Issue } from "../../../errors.js";
import type { SearchEvent } from "../../events.js";
import type { AgentChannel } from "../../types.js";
import type { ChatMessage } from "../../../tasks/types.js";
import { askJson } from "../llm-json.js";
import { initMessages, updateMessages } from "./prompts.js";
import type { Agent, InitInput, UpdateInput } from "./types.js";
import {
  agentUpdateJsonSchema,
  initDecisionJsonSchema,
  InitDecisionSchema,
  parseAgentUpdate,
  repairUpdate,
  validateUpdate,
  type AgentUpdate,
  type InitDecision,
} from "./update.js";
import { zodIssues } from "../../../util/files.js";

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

  /**
   * Ask through {@link askJson}; undefined after the last failure (the rule agent's answer stands in).
   * Once a call has failed outright the agent is not asked again (the circuit breaker).
   */
  private ask<T>(purpose: string, iteration: number, messages: ChatMessage[], schema: { name: string; schema: unknown }, check: (value: unknown) => { value: T } | { issues: Issue[] }): Promise<T | undefined> {
    const o = this.opts;
    if (this.down !== undefined) {
      o.emit({ type: "agent.fallback", iteration, purpose, reason: `${this.down}; the rule agent's ${purpose} is used` });
      return Promise.resolve(undefined);
    }
    const onCallFailed = (message: string) => {
      this.down = `the agent is not called again after its call failed at iteration ${iteration} (${message.slice(0, 300)})`;
      return `${this.down}; the rule agent decides for the rest of the run`;
    };
    return askJson({ channel: o.channel, emit: o.emit, purpose, iteration, messages, schema, check, maxAttempts: o.maxAttempts ?? 3, maxTokens: o.maxTokens, temperature: o.temperature, fallback: `the rule agent's ${purpose} is used`, onCallFailed });
  }
}
