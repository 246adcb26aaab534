/**
 * The optimizer registry with the built-in methods, and plugins: JS modules named in a config's
 * `plugins` entry that register a user's optimizers and agents. A plugin module exports definitions
 * made with {@link defineOptimizer} or `defineAgent`, as its default export (one, or a list) or as
 * named exports; each is registered under its name for `search`, `compare`, `--resume` and reports.
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { agents, type AgentDefinition } from "./optimizers/agent-reinforce/registry.js";
import { UserError } from "../errors.js";
import type { SearchConfig } from "./config.js";
import { BUILTIN_OPTIMIZERS } from "./optimizers/index.js";
import { parseOptimizerOptions, Registry, type OptimizerDefinition } from "./registry.js";

/** Every known optimizer: the built-in ones and those plugins registered. */
export const optimizers = new Registry<OptimizerDefinition>("optimizer", BUILTIN_OPTIMIZERS);

export { agents };

type Definition = OptimizerDefinition | AgentDefinition;

function isDefinition(v: unknown): v is Definition {
  return typeof v === "object" && v !== null && ((v as { kind?: unknown }).kind === "optimizer" || (v as { kind?: unknown }).kind === "agent") && typeof (v as { name?: unknown }).name === "string";
}

/** The definitions a plugin module exports: default (one, a list, or `{optimizers, agents}`) and named. */
function definitionsOf(mod: Record<string, unknown>): Definition[] {
  const out: Definition[] = [];
  const take = (v: unknown) => {
    if (isDefinition(v)) out.push(v);
    else if (Array.isArray(v)) v.forEach(take);
    else if (v && typeof v === "object" && ("optimizers" in v || "agents" in v)) {
      take((v as { optimizers?: unknown }).optimizers);
      take((v as { agents?: unknown }).agents);
    }
  };
  for (const v of Object.values(mod)) take(v);
  return [...new Set(out)];
}

/** Import plugin modules (absolute paths, or relative to `baseDir`) and register what they define. */
export async function loadPlugins(paths: readonly string[] | undefined, source = "plugins", baseDir = process.cwd()): Promise<void> {
  for (const p of paths ?? []) {
    const file = isAbsolute(p) ? p : resolve(baseDir, p);
    if (!existsSync(file)) throw new UserError(`plugin ${p} not found${p === file ? "" : ` (looked for ${file})`}: give the path of a JS module, relative to the config file`, { code: "plugin_not_found", source });
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (err) {
      throw new UserError(`plugin ${p} could not be loaded: ${(err as Error).message}`, { code: "plugin_load_failed", source, cause: err });
    }
    const defs = definitionsOf(mod);
    if (defs.length === 0) throw new UserError(`plugin ${p} defines no optimizer or agent: export what defineOptimizer or defineAgent returns`, { code: "plugin_empty", source });
    for (const d of defs) {
      if (d.kind === "optimizer") optimizers.register(d, file);
      else agents.register(d, file);
    }
  }
}

/** A config's optimizer and its options parsed with the optimizer's schema (a user error naming each bad key). */
export function resolveOptimizer(config: Pick<SearchConfig, "optimizer" | "optimizerOptions">, source?: string): { definition: OptimizerDefinition; options: Record<string, unknown> } {
  const definition = optimizers.get(config.optimizer, source ?? "optimizer");
  const options = parseOptimizerOptions(definition, config.optimizerOptions, source ?? "optimizerOptions") as Record<string, unknown>;
  return { definition, options };
}
