/** Budgets: a per-query cost limit in budget units, FLOPs, dollars or milliseconds. */
import { z } from "zod";
import type { CostPlan } from "./plan.js";

export const BudgetUnitSchema = z.enum(["units", "flops", "usd", "ms"]);
export type BudgetUnit = z.infer<typeof BudgetUnitSchema>;

export const BudgetSchema = z.object({ limit: z.number().positive(), unit: BudgetUnitSchema }).strict();
/** A per-query limit. `units` are FLOPs divided by one call of the pool's smallest model (the paper's unit). */
export type Budget = z.infer<typeof BudgetSchema>;

export interface BudgetCheck {
  ok: boolean;
  /** The plan's cost in the budget's unit, or undefined when it cannot be computed (no pricing or speed). */
  cost: number | undefined;
  limit: number;
  unit: BudgetUnit;
  /** Why the check failed, in words. */
  reason?: string;
}

/** The plan's cost in a unit. */
export function costIn(plan: CostPlan, unit: BudgetUnit): number | undefined {
  switch (unit) {
    case "units":
      return plan.units;
    case "flops":
      return plan.totalFlops;
    case "usd":
      return plan.dollars;
    case "ms":
      return plan.latencyMs;
  }
}

/** Relative slack for float comparisons, so a graph exactly at the limit passes. */
const EPS = 1e-9;

/**
 * Check a plan against a budget. A cost that cannot be computed fails the check, with the reason.
 *
 * @example
 * ```ts
 * import { checkBudget, loadGraphFile, planCost, resolvePool, resolveTask } from "tts-graph";
 *
 * const pool = resolvePool("sim:llama");
 * const plan = planCost(loadGraphFile("examples/graphs/fan-in.json"), { models: pool.pool.models, tokens: resolveTask("sim:math").tokens });
 * const check = checkBudget(plan, { limit: 18, unit: "units" });
 * if (!check.ok) console.log(check.reason);
 * ```
 */
export function checkBudget(plan: CostPlan, budget: Budget): BudgetCheck {
  const cost = costIn(plan, budget.unit);
  if (cost === undefined) {
    const why = budget.unit === "usd" ? "some model in the graph has no pricing" : "some model in the graph has no speed spec";
    return { ok: false, cost, limit: budget.limit, unit: budget.unit, reason: `cannot check a ${budget.unit} budget: ${why}` };
  }
  const ok = cost <= budget.limit * (1 + EPS);
  return ok ? { ok, cost, limit: budget.limit, unit: budget.unit } : { ok, cost, limit: budget.limit, unit: budget.unit, reason: `costs ${formatCost(cost, budget.unit)}, over the budget of ${formatCost(budget.limit, budget.unit)}` };
}

/** Human-readable cost in a unit. */
export function formatCost(value: number, unit: BudgetUnit): string {
  switch (unit) {
    case "units":
      return `${value.toFixed(3)} units`;
    case "flops":
      return `${value.toExponential(3)} FLOPs`;
    case "usd":
      return `$${value < 0.01 ? value.toPrecision(3) : value.toFixed(4)}`;
    case "ms":
      return `${value.toFixed(0)} ms`;
  }
}
