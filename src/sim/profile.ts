/**
 * Simulated worlds are data: a profile describes a task (how its items are distributed, how wrong
 * answers cluster, how long prompts and outputs are) and the models that answer it (ability, how well
 * they use references, how much input they handle, speed). Profiles are validated on every read so a
 * hand-written one fails with the file and the field, never with a wrong simulation.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { UserError } from "../errors.js";
import { checkUniqueModelIds, modelIdentityShape, SpeedSchema } from "../models/spec.js";
import { parseWith, readStructured } from "../util/files.js";

/** Profile file format version. */
export const SIM_PROFILE_VERSION = 1;

/** Built-in profiles shipped in `profiles/sim/`. */
export const BUILTIN_SIM_PROFILES = ["math", "mmlu", "humaneval"] as const;
export type BuiltinSimProfile = (typeof BUILTIN_SIM_PROFILES)[number];

const probability = z.number().min(0).max(1);

export const SimModelSchema = z
  .object({
    ...modelIdentityShape,
    /** Logit of being right alone on an item of difficulty 0: alone, P(correct) = logistic(ability - difficulty). */
    ability: z.number().min(-20).max(20),
    /** Logit bonus for recognising a correct answer among its references (verifying is easier than solving). */
    referenceUse: z.number().min(-20).max(20),
    /** Reference tokens the model reads without degrading; beyond this, recognition drops and it may lose the thread. */
    contextTokens: z.number().positive(),
    /** Multiplies the role's chance of following the references' plurality (small models defer more). */
    follow: z.number().min(0).max(10).default(1),
    /** Rate of overwriting a correct answer when revising (talked into a plausible wrong answer). */
    fragility: z.number().min(0).max(5),
    /** Multiplies the task's mean output length. */
    outputScale: z.number().positive().default(1),
    /** Cost units for the equal-budget comparisons (the paper's 1/3/9 or 1/4/7); models without one are left out. */
    costUnits: z.number().positive().optional(),
    speed: SpeedSchema,
  })
  .strict();
export type SimModelProfile = z.infer<typeof SimModelSchema>;

export const SimTaskSchema = z
  .object({
    style: z.enum(["math", "choice", "code"]),
    /** Options per question (choice style only). */
    choices: z.number().int().min(2).max(10).optional(),
    /** Items per split; splits are disjoint ranges of one seeded item stream. */
    items: z
      .object({
        search: z.number().int().min(1).max(1_000_000),
        validation: z.number().int().min(1).max(1_000_000),
        test: z.number().int().min(1).max(1_000_000),
      })
      .strict(),
    /** Item difficulty is normal(mean, sd) on the ability scale. */
    difficulty: z.object({ mean: z.number(), sd: z.number().min(0).max(10) }).strict(),
    wrongAnswers: z
      .object({
        /** Plausible wrong answers per item (choice style: choices - 1). */
        plausible: z.number().int().min(1).max(32),
        /** Spread (log scale) of how popular each plausible wrong answer is on an item, shared by all models. */
        itemSpread: z.number().min(0).max(10),
        /** Extra spread per model family: larger means families disagree more in their mistakes. */
        familySpread: z.number().min(0).max(10),
        /** Extra spread per model: models of one family still differ somewhat in their mistakes. */
        modelSpread: z.number().min(0).max(10).default(0),
        /** Share of mistakes that are one-off slips no other call repeats (0 for choice style). */
        unique: probability,
      })
      .strict(),
    tokens: z
      .object({
        /** Mean question-prompt tokens (the paper's A). */
        prompt: z.number().positive(),
        /** Mean output tokens of an answer written alone (the paper's B). */
        output: z.number().positive(),
        /** Log-scale spread of prompt lengths across items. */
        promptSpread: z.number().min(0).max(0.9).default(0.25),
        /** Log-scale spread of output lengths across items and answers. */
        outputSpread: z.number().min(0).max(0.9).default(0.2),
        /** FLOPs of one budget unit (the paper fixes it per task); else one call of the cheapest model. */
        unitFlops: z.number().positive().optional(),
      })
      .strict(),
  })
  .strict();

export const SimBehaviourSchema = z
  .object({
    /** Chance of going with the references' plurality (scaled by its share) when not verifying, per role. */
    follow: z.object({ assistant: probability, fuser: probability }).strict(),
    overload: z
      .object({
        /** Logits of recognition lost per unit of overload (reference tokens / contextTokens - 1). */
        verification: z.number().min(0).max(20),
        /** Rate (per unit of overload) of losing the thread: copying a random reference or garbling the answer. */
        corruption: z.number().min(0).max(20),
        /** Share of lost calls that copy a random reference rather than garble. */
        copy: probability.default(0.5),
      })
      .strict(),
    /**
     * Chance that a call's own attempt reuses the model's fixed draw for the item, so repeated samples
     * of one model agree on what it knows (high for recall, lower where reasoning paths vary).
     */
    consistency: probability.default(0),
    /** Output tokens added per token of the mean reference: writers elaborate on what they read, fusers condense. */
    elaboration: z.object({ assistant: z.number().min(0).max(0.95), fuser: z.number().min(0).max(0.95) }).strict(),
  })
  .strict();

export const RandomGraphSchema = z
  .object({
    /** Chance of each forward edge; the paper's untrained logits give sigmoid(-2) = 0.119. */
    edgeProbability: probability,
    /**
     * A fixed model at the output, reading the workers, as the paper's "final decision" node (LLaMA-3B);
     * its cost is not counted in the multiset's budget. Absent: the last worker is the output.
     */
    outputModel: z.string().min(1).optional(),
  })
  .strict();

export const SimProfileSchema = z
  .object({
    version: z.literal(SIM_PROFILE_VERSION),
    name: z.string().regex(/^[A-Za-z0-9_.]+$/, "profile names use letters, digits, _ and . only"),
    description: z.string().optional(),
    task: SimTaskSchema,
    behaviour: SimBehaviourSchema,
    randomGraph: RandomGraphSchema.default({ edgeProbability: 0.119 }),
    /** The equal-budget comparison `sim insights` runs: one family's models at exactly this many cost units. */
    insights: z.object({ family: z.string().min(1), budgetUnits: z.number().positive() }).strict().optional(),
    models: z.array(SimModelSchema).min(1, "a profile needs at least one model"),
    /** Free-form notes (where the numbers came from). */
    notes: z.array(z.string()).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = checkUniqueModelIds(p.models, ctx);
    if (p.task.style === "choice") {
      if (p.task.choices === undefined) ctx.addIssue({ code: "custom", path: ["task", "choices"], message: "a choice-style task needs the number of choices" });
      else if (p.task.wrongAnswers.plausible !== p.task.choices - 1) {
        ctx.addIssue({ code: "custom", path: ["task", "wrongAnswers", "plausible"], message: `a choice-style task with ${p.task.choices} choices has ${p.task.choices - 1} plausible wrong answers` });
      }
      if (p.task.wrongAnswers.unique !== 0) ctx.addIssue({ code: "custom", path: ["task", "wrongAnswers", "unique"], message: "a choice-style task has no one-off wrong answers: set unique to 0" });
    } else if (p.task.choices !== undefined) {
      ctx.addIssue({ code: "custom", path: ["task", "choices"], message: `choices only applies to choice-style tasks, not ${p.task.style}` });
    }
    if (p.behaviour.elaboration.fuser > p.behaviour.elaboration.assistant) {
      ctx.addIssue({
        code: "custom",
        path: ["behaviour", "elaboration", "fuser"],
        message: `fusers condense what they read: elaboration.fuser (${p.behaviour.elaboration.fuser}) must not exceed elaboration.assistant (${p.behaviour.elaboration.assistant})`,
      });
    }
    if (p.randomGraph.outputModel !== undefined && !seen.has(p.randomGraph.outputModel)) {
      ctx.addIssue({ code: "custom", path: ["randomGraph", "outputModel"], message: `"${p.randomGraph.outputModel}" is not one of the profile's models` });
    }
    if (p.insights) {
      const fam = p.models.filter((m) => m.family === p.insights!.family);
      if (fam.length === 0) ctx.addIssue({ code: "custom", path: ["insights", "family"], message: `no model of family "${p.insights.family}"` });
      else if (!fam.some((m) => m.costUnits !== undefined)) {
        ctx.addIssue({ code: "custom", path: ["insights", "family"], message: `no model of family "${p.insights.family}" has costUnits` });
      }
    }
  });

/** A validated simulated world description. */
export type SimProfile = z.infer<typeof SimProfileSchema>;

/** Validate parsed profile data; a bad profile is a user error naming the source and every field. */
export function parseSimProfile(data: unknown, source: string): SimProfile {
  return parseWith(SimProfileSchema, data, source, "simulator profile");
}

/** Load a profile file (JSON, or YAML by extension). */
export function loadSimProfile(path: string): SimProfile {
  return parseSimProfile(readStructured(path, "simulator profile"), path);
}

/** Folder of the built-in profiles, found from this module's location (src/sim or dist/sim). */
export function builtinProfileDir(): string {
  return fileURLToPath(new URL("../../profiles/sim/", import.meta.url));
}

const builtinCache = new Map<string, SimProfile>();

/** A built-in profile by name (`math`, `mmlu`, `humaneval`). */
export function builtinSimProfile(name: string): SimProfile {
  if (!(BUILTIN_SIM_PROFILES as readonly string[]).includes(name)) {
    throw new UserError(`unknown simulated task "sim:${name}": expected ${BUILTIN_SIM_PROFILES.map((n) => "sim:" + n).join(", ")} or sim:FILE.json (a profile)`, {
      code: "unknown_task",
      source: "--task",
    });
  }
  let p = builtinCache.get(name);
  if (!p) {
    const path = builtinProfileDir() + `${name}.json`;
    if (!existsSync(path)) throw new UserError(`the built-in profile ${name}.json is missing from the package (looked in ${builtinProfileDir()})`, { code: "profile_missing" });
    p = loadSimProfile(path);
    builtinCache.set(name, p);
  }
  return p;
}

/** Whether what follows `sim:` names a profile file: anything with a path separator or a .json/.yaml extension. */
export function isSimProfileFile(rest: string): boolean {
  return /[/\\]|\.(json|ya?ml)$/i.test(rest);
}

/** The profile a `sim:` name refers to: a built-in name, or a profile file (`sim:path/to/profile.json`). */
export function resolveSimProfile(spec: string): SimProfile {
  const rest = spec.startsWith("sim:") ? spec.slice(4) : spec;
  if (isSimProfileFile(rest)) return loadSimProfile(rest);
  return builtinSimProfile(rest);
}
