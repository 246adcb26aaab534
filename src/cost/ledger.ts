/**
 * Measured cost: what calls really used. Token counts the server did not report are estimated and
 * marked so; a total containing any estimate is itself marked estimated.
 */
import { callDollars, callFlops, type FlopsSpec } from "./flops.js";

export interface LedgerEntry {
  model: string;
  promptTokens: number;
  completionTokens: number;
  /** True when a token count was estimated because the server did not report usage. */
  estimated: boolean;
  flops: number;
  dollars: number | undefined;
  latencyMs: number;
}

export interface LedgerTotals {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  flops: number;
  dollars: number | undefined;
  latencyMs: number;
  estimated: boolean;
  /** Calls whose counts were estimated. */
  estimatedCalls: number;
}

/** Cost of one measured call. */
export function measuredEntry(model: FlopsSpec, promptTokens: number, completionTokens: number, estimated: boolean, latencyMs: number): LedgerEntry {
  return {
    model: model.id,
    promptTokens,
    completionTokens,
    estimated,
    flops: callFlops(model, promptTokens, completionTokens).total,
    dollars: callDollars(model, promptTokens, completionTokens),
    latencyMs,
  };
}

/** Sum of entries. Dollars stay undefined only when no entry had a price. */
export function sumEntries(entries: Iterable<LedgerEntry>): LedgerTotals {
  const t: LedgerTotals = { calls: 0, promptTokens: 0, completionTokens: 0, flops: 0, dollars: undefined, latencyMs: 0, estimated: false, estimatedCalls: 0 };
  for (const e of entries) addEntry(t, e);
  return t;
}

/** Add one entry to running totals in place. */
export function addEntry(t: LedgerTotals, e: LedgerEntry): void {
  t.calls++;
  t.promptTokens += e.promptTokens;
  t.completionTokens += e.completionTokens;
  t.flops += e.flops;
  if (e.dollars !== undefined) t.dollars = (t.dollars ?? 0) + e.dollars;
  t.latencyMs += e.latencyMs;
  if (e.estimated) {
    t.estimated = true;
    t.estimatedCalls++;
  }
}

/** A running ledger. Keep one for a graph's calls and a separate one for the optimizer agent's own calls. */
export class Ledger {
  readonly totals: LedgerTotals = sumEntries([]);
  private readonly byModelTotals = new Map<string, LedgerTotals>();

  add(entry: LedgerEntry): void {
    addEntry(this.totals, entry);
    let m = this.byModelTotals.get(entry.model);
    if (!m) this.byModelTotals.set(entry.model, (m = sumEntries([])));
    addEntry(m, entry);
  }

  byModel(): Record<string, LedgerTotals> {
    return Object.fromEntries(this.byModelTotals);
  }
}
