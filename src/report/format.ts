/** Number formatting shared by the HTML and Markdown reports. */

const finite = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);

export const pct = (x: number | undefined): string => (finite(x) ? `${(100 * x).toFixed(1)}%` : "n/a");
export const sci = (x: number | undefined): string => (finite(x) ? x.toExponential(3) : "n/a");
export const ms = (x: number | undefined): string => (finite(x) ? `${Math.round(x).toLocaleString("en-US")} ms` : "n/a");
export const int = (x: number | undefined): string => (finite(x) ? Math.round(x).toLocaleString("en-US") : "n/a");
export const fixed = (x: number | undefined, digits = 2): string => (finite(x) ? x.toFixed(digits) : "n/a");
export const dollars = (x: number | undefined): string => (finite(x) ? `$${x.toFixed(4)}` : "n/a");

/** `54.7% [43.4%, 65.4%]` */
export const withCi = (acc: number, ci: { low: number; high: number } | undefined): string => (ci ? `${pct(acc)} [${pct(ci.low)}, ${pct(ci.high)}]` : pct(acc));

/** `3x llama-3b + 1x llama-1b` */
export function composition(models: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const m of models) counts.set(m, (counts.get(m) ?? 0) + 1);
  return [...counts].map(([m, n]) => `${n}x ${m}`).join(" + ");
}
