/**
 * Bands over several runs' best-so-far curves: on the union of their x values, each run's value is
 * its last point at or before x (a step curve), and a group's band is the min, mean and max over
 * the runs that have a value there.
 */

export interface Series {
  group: string;
  run: string;
  points: readonly { x: number; y: number }[];
}

export interface BandPoint {
  group: string;
  x: number;
  mean: number;
  low: number;
  high: number;
  runs: number;
}

function valueAt(points: readonly { x: number; y: number }[], x: number): number | undefined {
  let v: number | undefined;
  for (const p of points) {
    if (p.x > x) break;
    if (Number.isFinite(p.y)) v = p.y;
  }
  return v;
}

export function bands(series: readonly Series[]): BandPoint[] {
  const groups = new Map<string, Series[]>();
  for (const s of series) groups.set(s.group, [...(groups.get(s.group) ?? []), s]);
  const out: BandPoint[] = [];
  for (const [group, members] of groups) {
    const sorted = members.map((m) => ({ ...m, points: [...m.points].sort((a, b) => a.x - b.x) }));
    const xs = [...new Set(sorted.flatMap((m) => m.points.map((p) => p.x)))].sort((a, b) => a - b);
    for (const x of xs) {
      const ys = sorted.map((m) => valueAt(m.points, x)).filter((y): y is number => y !== undefined);
      if (ys.length === 0) continue;
      out.push({ group, x, mean: ys.reduce((s, y) => s + y, 0) / ys.length, low: Math.min(...ys), high: Math.max(...ys), runs: ys.length });
    }
  }
  return out;
}
