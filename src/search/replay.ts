/**
 * Recording and replay: every event goes through one numbered log to the run's sink, and every
 * agent LLM call through a channel that answers from a replayed journal when it can. (Evaluations
 * are answered from the journal by the study itself, item by item.) With both, a resumed run is a
 * re-run from the start that reaches exactly the uninterrupted run's events.
 */
import type { SearchCost } from "./cost.js";
import { chatKey, EVENT_VERSION, type EventSink, type RecordedEvent, type ReplayMemo, type SearchEvent } from "./events.js";
import type { AgentCaller, RunStats } from "./contract.js";
import type { AgentChannel, AgentChatResponse } from "./types.js";

/** Events in order, numbered, delivered to the sink when flushed (the sink is awaited, so it may persist). */
export class EventLog {
  private seq = 0;
  private readonly pending: SearchEvent[] = [];

  constructor(private readonly sink: EventSink | undefined) {}

  emit(e: SearchEvent): void {
    this.pending.push(e);
  }

  async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const e = this.pending.shift()!;
      const rec = { ...e, v: EVENT_VERSION, seq: this.seq++ } as RecordedEvent;
      if (this.sink) await this.sink.onEvent(rec);
    }
  }
}

/** Raised inside the agent channel when the LLM call failed; agents treat it like invalid output. */
export class AgentCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "AgentCallError";
  }
}

/**
 * The optimizer's channel to the agent LLM: each call is answered from the memo when the journal
 * holds it (same request, same occurrence), else made; either way it is logged and counted.
 */
export function replayingChannel(agent: AgentCaller, log: EventLog, cost: SearchCost, memo: ReplayMemo | undefined, stats: RunStats): AgentChannel {
  const chatCounts = new Map<string, number>();
  return {
    model: agent.model,
    chat: async (req) => {
      const key = chatKey(req.purpose, req.messages, req.jsonSchema?.name);
      const occurrence = chatCounts.get(key) ?? 0;
      chatCounts.set(key, occurrence + 1);
      const known = memo?.chat(key, occurrence);
      let response: AgentChatResponse | undefined;
      let error: { code: string; message: string } | undefined;
      if (known) {
        stats.replayedChats++;
        response = known.response;
        error = known.error;
      } else {
        try {
          response = await agent.call(req);
        } catch (err) {
          const e = err as { code?: string; message?: string };
          error = { code: typeof e.code === "string" ? e.code : "agent_call", message: e.message ?? String(err) };
        }
      }
      cost.agent.calls++;
      if (error) cost.agent.failedCalls++;
      if (response) {
        cost.agent.promptTokens += response.promptTokens ?? 0;
        cost.agent.completionTokens += response.completionTokens ?? 0;
      }
      log.emit({ type: "agent.call", purpose: req.purpose, key, occurrence, model: agent.model, messages: req.messages, response, error });
      await log.flush();
      if (error) throw new AgentCallError(error.code, error.message);
      return response!;
    },
  };
}
