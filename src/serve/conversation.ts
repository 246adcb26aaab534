/**
 * A client's conversation in the task's format. Each node's prompt is the one its task renders for
 * the question (role, references, answer format), with the client's system prompt appended to the
 * task's system message and the earlier turns placed between that system message and the question.
 * Every node of the graph sees the whole conversation, so each answers the question in its context.
 */
import { renderPrompt } from "../tasks/prompts.js";
import type { ChatMessage, PromptInput, Task } from "../tasks/types.js";
import type { Conversation } from "./schema.js";

/** A node's prompt with the conversation around the question. */
export function conversationPrompt(rendered: readonly ChatMessage[], conversation: Pick<Conversation, "system" | "history">): ChatMessage[] {
  let split = rendered.findIndex((m) => m.role !== "system");
  if (split < 0) split = rendered.length;
  const taskSystem = rendered.slice(0, split);
  const clientSystem = conversation.system.join("\n\n");
  const head = [...taskSystem];
  if (clientSystem !== "") {
    const last = head.at(-1);
    if (last) head[head.length - 1] = { role: "system", content: `${last.content}\n\n${clientSystem}` };
    else head.push({ role: "system", content: clientSystem });
  }
  return [...head, ...conversation.history, ...rendered.slice(split)];
}

/** The task, rendering every prompt inside the conversation; the task itself when there is none. */
export function inConversation(task: Task, conversation: Pick<Conversation, "system" | "history">): Task {
  if (conversation.system.length === 0 && conversation.history.length === 0) return task;
  // A delegate rather than a copy, so a task implemented as a class keeps its methods.
  const wrapped = Object.create(task) as Task;
  wrapped.render = (input: PromptInput) => conversationPrompt(renderPrompt(task, input), conversation);
  return wrapped;
}
