/**
 * Registered optimizers and agents. Each is defined once: a name, a zod schema of its options (with
 * defaults, ranges and descriptions) and a factory. The config's `optimizerOptions` are validated
 * against the chosen optimizer's schema, so a misspelt or mistyped option is a user error naming the
 * key, never a silently ignored or NaN setting.
 */
import { z } from "zod";
import { UserError, type Issue } from "../errors.js";
import type { Optimizer, OptimizerContext } from "./types.js";

/** An optimizer's options: a zod object schema (unknown keys are rejected). */
export type OptionsSchema = z.ZodObject;

export interface OptimizerDefinition<S extends OptionsSchema = OptionsSchema> {
  readonly kind: "optimizer";
  readonly name: string;
  readonly description: string;
  /** Its options, with defaults; `optimizerOptions` of the config is parsed with it. */
  readonly options: S;
  /** True when the method cannot run without an LLM (`--agent MODEL`). */
  readonly needsLlm: boolean;
  /** Search-space settings the method imposes over the config's (the "no fuser" ablation). */
  readonly space?: { fuser?: boolean } | undefined;
  create(ctx: OptimizerContext, options: z.output<S>): Optimizer;
}

/**
 * Define an optimizer; without `options` it takes none.
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineOptimizer, RandomSearch } from "tts-graph";
 *
 * // A plugin module's default export; a config names it under `plugins` and `optimizer: my-random`.
 * export default defineOptimizer({
 *   name: "my-random",
 *   description: "random graphs, with an option the config can set",
 *   options: z.object({ note: z.string().default("") }),
 *   create: (ctx) => new RandomSearch(ctx),
 * });
 * ```
 */
export function defineOptimizer<S extends OptionsSchema = z.ZodObject<Record<string, never>>>(def: {
  name: string;
  description?: string;
  options?: S;
  needsLlm?: boolean;
  space?: { fuser?: boolean };
  create(ctx: OptimizerContext, options: z.output<S>): Optimizer;
}): OptimizerDefinition<S> {
  const options = (def.options ?? z.object({})) as S;
  return { kind: "optimizer", name: def.name, description: def.description ?? "", options: options.strict() as S, needsLlm: def.needsLlm ?? false, space: def.space, create: def.create };
}

/** Names to definitions; a name is taken once. */
export class Registry<T extends { readonly name: string }> {
  private readonly byName = new Map<string, T>();

  constructor(
    /** What the registry holds, for messages ("optimizer", "agent"). */
    readonly what: string,
    builtins: readonly T[] = [],
  ) {
    for (const d of builtins) this.register(d);
  }

  /** Add a definition; registering the same definition again is a no-op, another one of the same name an error. */
  register(def: T, origin?: string): void {
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(def.name)) throw new UserError(`${this.what} name "${def.name}" is not a valid name (letters, digits, ".", "_", "-")`, { code: `invalid_${this.what}_name`, ...(origin ? { source: origin } : {}) });
    const known = this.byName.get(def.name);
    if (known === def) return;
    if (known) throw new UserError(`${this.what} "${def.name}" is registered twice${origin ? ` (again by ${origin})` : ""}: give it another name`, { code: `duplicate_${this.what}`, ...(origin ? { source: origin } : {}) });
    this.byName.set(def.name, def);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The definition of `name`; an unknown name is a user error listing the known ones. */
  get(name: string, source?: string): T {
    const d = this.byName.get(name);
    if (!d) throw new UserError(`unknown ${this.what} "${name}": expected one of ${this.names().join(", ")} (or one registered by a plugin)`, { code: `unknown_${this.what}`, ...(source ? { source } : {}) });
    return d;
  }
}

/**
 * Options parsed with an optimizer's schema, defaults filled in. Unknown keys and wrong types are a
 * user error with one issue per key, each path starting with `optimizerOptions.`.
 */
export function parseOptimizerOptions<S extends OptionsSchema>(def: OptimizerDefinition<S>, raw: Record<string, unknown>, source = "optimizerOptions"): z.output<S> {
  const r = def.options.safeParse(raw);
  if (r.success) return r.data;
  const known = Object.keys(def.options.shape);
  const issues: Issue[] = [];
  for (const i of r.error.issues) {
    if (i.code === "unrecognized_keys") {
      for (const k of i.keys) issues.push({ code: "unknown_option", path: `optimizerOptions.${k}`, message: `not an option of the ${def.name} optimizer (its options: ${known.join(", ") || "none"})` });
    } else {
      issues.push({ code: i.code, path: ["optimizerOptions", ...i.path.map(String)].join("."), message: i.message });
    }
  }
  const keys = issues.map((i) => i.path).join(", ");
  throw new UserError(`invalid optimizerOptions for ${def.name}: ${keys}`, { code: "invalid_optimizer_options", source, issues });
}
