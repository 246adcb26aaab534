/**
 * The search's event log. Every evaluation and every agent LLM call goes through the harness, which
 * reports it as a typed event to a pluggable sink. A log can be replayed: {@link replayMemo} turns
 * it into a memo that answers the same evaluations and agent calls without running anything, so a
 * resumed run (re-run from the start with the memo) is exactly the uninterrupted run.
 */
import { createHash } from "node:crypto";
import type { Issue } from "../errors.js";
import type { Graph } from "../graph/schema.js";
import type { ChatMessage } from "../tasks/types.js";
import type { AgentChatResponse, EvalStatus, ItemOutcome, Phase, Score } from "./types.js";

/** Version of the event format; bump when a field changes meaning. */
export const EVENT_VERSION = 1;

export type EvalSplit = "search" | "validation";

export type SearchEvent =
  | {
      type: "run.started";
      optimizer: string;
      seed: number;
      task: string;
      pool: string;
      /** The resolved configuration. */
      config: unknown;
      space: unknown;
      searchItems: number;
      validationItems: number;
    }
  | { type: "iteration.started"; iteration: number; phase: Phase; split: EvalSplit; items: string[] }
  | { type: "graph.proposed"; iteration: number; id: string; hash: string; origin: string; graph: Graph }
  | { type: "proposal.rejected"; iteration: number; id: string; origin: string; reason: string }
  | {
      type: "eval.batch";
      iteration: number;
      split: EvalSplit;
      hash: string;
      status: EvalStatus;
      /** Items evaluated now (items already known are not repeated). */
      items: ItemOutcome[];
      /** Items of the batch served from earlier evaluations. */
      reused: number;
      score: Score;
    }
  | {
      type: "agent.call";
      purpose: string;
      /** Replay key: a hash of the purpose, the messages and the requested schema. */
      key: string;
      /** How many calls with this key came before (identical requests are told apart). */
      occurrence: number;
      model: string;
      messages: ChatMessage[];
      response?: AgentChatResponse | undefined;
      error?: { code: string; message: string } | undefined;
    }
  | { type: "agent.feedback"; iteration: number; agent: string; text: string }
  | { type: "agent.rejected"; iteration: number; purpose: string; attempt: number; issues: Issue[]; excerpt: string }
  | { type: "agent.fallback"; iteration: number; purpose: string; reason: string }
  | { type: "optimizer.updated"; iteration: number; state: unknown }
  | {
      type: "iteration.finished";
      iteration: number;
      phase: Phase;
      /** Evaluations spent so far. */
      evals: number;
      /** The leader by the objective on search items; absent while no graph has a usable score. */
      best?: IterationLeader | undefined;
    }
  | { type: "selection"; candidates: unknown[]; chosen: string; rule: string }
  | { type: "run.finished"; best: string; evals: number; summary: unknown };

/** The graph the harness ranks first after an iteration (the result's curve point, plus its raw score). */
export interface IterationLeader {
  hash: string;
  /** The objective's value (empirical-Bayes accuracy, adjusted for latency or cost). */
  value: number;
  /** Raw accuracy on the search items it was graded on. */
  accuracy: number;
  /** Search items it was evaluated on. */
  items: number;
}

/** An event as recorded: with the format version and its position in the log. */
export type RecordedEvent = SearchEvent & { v: number; seq: number };

/** Receives every event, in order. The harness awaits it, so a sink may persist synchronously. */
export interface EventSink {
  onEvent(event: RecordedEvent): void | Promise<void>;
}

/** An in-memory log that is also a sink. */
export class Journal implements EventSink {
  readonly events: RecordedEvent[] = [];

  onEvent(event: RecordedEvent): void {
    this.events.push(event);
  }

  ofType<T extends SearchEvent["type"]>(type: T): Extract<RecordedEvent, { type: T }>[] {
    return this.events.filter((e) => e.type === type) as Extract<RecordedEvent, { type: T }>[];
  }
}

/** Fan one event stream out to several sinks, in order. */
export function teeSinks(...sinks: (EventSink | undefined)[]): EventSink {
  const list = sinks.filter((s): s is EventSink => s !== undefined);
  return {
    async onEvent(e) {
      for (const s of list) await s.onEvent(e);
    },
  };
}

/** Known answers to evaluations and agent calls, consulted before running anything. */
export interface ReplayMemo {
  item(split: EvalSplit, hash: string, itemId: string): ItemOutcome | undefined;
  chat(key: string, occurrence: number): { response?: AgentChatResponse | undefined; error?: { code: string; message: string } | undefined } | undefined;
}

function evalKey(split: EvalSplit, hash: string, itemId: string): string {
  return `${split}\u0000${hash}\u0000${itemId}`;
}

/** A memo built from a log (complete or cut off at any event). */
export function replayMemo(events: Iterable<SearchEvent>): ReplayMemo {
  const items = new Map<string, ItemOutcome>();
  const chats = new Map<string, { response?: AgentChatResponse | undefined; error?: { code: string; message: string } | undefined }>();
  for (const e of events) {
    // An errored item is a failed call (an endpoint down, a timeout), not an answer: a resume asks
    // again. A call that fails the same way again records the same outcome, so the log still agrees.
    if (e.type === "eval.batch") {
      for (const o of e.items) if (!o.errored) items.set(evalKey(e.split, e.hash, o.itemId), o);
    }
    else if (e.type === "agent.call") chats.set(`${e.key}#${e.occurrence}`, { response: e.response, error: e.error });
  }
  return {
    item: (split, hash, itemId) => items.get(evalKey(split, hash, itemId)),
    chat: (key, occurrence) => chats.get(`${key}#${occurrence}`),
  };
}

/** The replay key of an agent request. */
export function chatKey(purpose: string, messages: readonly ChatMessage[], schemaName: string | undefined): string {
  return createHash("sha256")
    .update(JSON.stringify([purpose, schemaName ?? null, messages.map((m) => [m.role, m.content])]))
    .digest("hex")
    .slice(0, 24);
}
