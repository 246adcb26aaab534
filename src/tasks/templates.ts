/**
 * Prompts set by a task file: a system prompt, templates per role (an assistant alone, an assistant
 * with references, a fuser) and few-shot examples. Whatever a task file leaves unset is the
 * standard prompt, unchanged, so a task without prompt settings renders exactly as before.
 */
import { z } from "zod";
import { ANSWER_FORMAT, EXPERT, formatQuestion, numbered, standardPrompt, teamNote } from "./prompts.js";
import type { ChatMessage, PromptInput, TaskStyle } from "./types.js";

/** The three prompt roles: a node's graph role, split by whether it has references. */
export const PROMPT_ROLES = ["assistant", "refine", "fuser"] as const;
export type PromptRole = (typeof PROMPT_ROLES)[number];

/** Placeholders a template may use. */
export const TEMPLATE_VARIABLES = ["question", "references", "format", "expert", "final", "fewshot"] as const;
type Vars = Record<(typeof TEMPLATE_VARIABLES)[number], string>;

const PLACEHOLDER = /\{\{\s*([A-Za-z_]+)\s*\}\}/g;

/** A template string whose placeholders are all among `names`. */
export function templateSchema(names: readonly string[]): z.ZodType<string> {
  return z.string().superRefine((s, ctx) => {
    for (const m of s.matchAll(PLACEHOLDER)) {
      if (!names.includes(m[1]!)) ctx.addIssue({ code: "custom", message: `unknown placeholder {{${m[1]}}}: expected one of ${names.map((v) => `{{${v}}}`).join(", ")}` });
    }
  });
}

export const TemplateSchema = templateSchema(TEMPLATE_VARIABLES);
/** How one few-shot example is written into `{{fewshot}}`. */
export const ExampleTemplateSchema = templateSchema(["question", "answer"]);

export const RoleTemplateSchema = z
  .object({
    /** The system message ("" for none); default: the task's `system`, else the standard one. */
    system: TemplateSchema.optional(),
    /** The user message; default: the standard one. */
    user: TemplateSchema.optional(),
  })
  .strict();

export interface FewShotExample {
  question: string;
  /** The full reply shown for the example (its reasoning and final answer). */
  answer: string;
}

/** Resolved prompt settings of a task. */
export interface PromptSpec {
  system?: string | undefined;
  templates?: Partial<Record<PromptRole, z.infer<typeof RoleTemplateSchema>>> | undefined;
  fewshot?:
    | {
        examples: FewShotExample[];
        /** Roles that see the examples as earlier chat turns. */
        roles: PromptRole[];
        /** How an example's question is shown (in turns and in `{{fewshot}}`); default: the role's user template. */
        question?: string | undefined;
        /** How an example is written into `{{fewshot}}`. */
        text: string;
      }
    | undefined;
}

export const DEFAULT_FEWSHOT_TEXT = "Q: {{question}}\nA: {{answer}}";

function fill(template: string, vars: Partial<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => vars[name] ?? "");
}

export function promptRole(input: Pick<PromptInput, "role" | "references">): PromptRole {
  if (input.role === "fuser") return "fuser";
  return input.references.length > 0 ? "refine" : "assistant";
}

/** Render a node's prompt under a task's prompt settings; unset parts are the standard prompt's. */
export function renderTemplated(spec: PromptSpec, style: TaskStyle, input: PromptInput): ChatMessage[] {
  const role = promptRole(input);
  const template = spec.templates?.[role];
  const standard = standardPrompt(style, input);
  const shots = spec.fewshot?.examples ?? [];
  const vars: Vars = {
    question: formatQuestion(input.item, style),
    references: numbered(input.references),
    format: ANSWER_FORMAT[style],
    expert: EXPERT[style],
    final: teamNote(input).trim(),
    fewshot: "",
  };
  const questionOf = (q: string) => fill(spec.fewshot?.question ?? template?.user ?? "{{question}}", { ...vars, question: q, references: "" });
  vars.fewshot = shots.map((s) => fill(spec.fewshot!.text, { question: questionOf(s.question), answer: s.answer })).join("\n\n");
  const systemTemplate = template?.system ?? spec.system;
  // A filled template is trimmed: an empty placeholder at its end leaves no stray space.
  const system = systemTemplate !== undefined ? fill(systemTemplate, vars).trim() : standard[0]!.content;
  const user = template?.user !== undefined ? fill(template.user, vars).trim() : standard[1]!.content;
  const messages: ChatMessage[] = system === "" ? [] : [{ role: "system", content: system }];
  if (spec.fewshot && spec.fewshot.roles.includes(role)) {
    for (const s of shots) messages.push({ role: "user", content: questionOf(s.question) }, { role: "assistant", content: s.answer });
  }
  messages.push({ role: "user", content: user });
  return messages;
}

/** True when the settings change nothing: the task renders the standard prompts. */
export function isStandard(spec: PromptSpec): boolean {
  return spec.system === undefined && Object.values(spec.templates ?? {}).every((t) => t === undefined || (t.system === undefined && t.user === undefined)) && (spec.fewshot?.examples.length ?? 0) === 0;
}
