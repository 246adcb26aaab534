/**
 * What the dashboard shows of the run folders under a directory: each run's status, and for one run
 * its curve, graphs, chosen graph, finalists, Pareto graphs and feature importance. Only reads.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { Graph } from "../graph/schema.js";
import { extractReport, SOLID_ITEMS, type GraphStats } from "../report/extract.js";
import { composition } from "../report/format.js";
import { readRunDir } from "../report/run-dir.js";
import { solidPareto } from "../report/tables.js";
import { RUN_FILES } from "../runs/dir.js";
import { readRunStatus, type RunStatus } from "../runs/status.js";
import { wilson } from "../util/stats.js";
import { featureImportance, type FeatureImportance } from "./importance.js";

/** How deep under the dashboard's folder run folders are looked for. */
const MAX_DEPTH = 3;

export interface RunEntry {
  /** The folder relative to the dashboard's directory, with `/` separators: the run's id. */
  id: string;
  status: RunStatus | undefined;
  /** Why the folder could not be read, when it could not. */
  error: string | undefined;
}

/** Folders under `root` (itself included) that hold a run: a config.json and an events.jsonl. */
export function findRunDirs(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (existsSync(join(dir, RUN_FILES.config)) && existsSync(join(dir, RUN_FILES.events))) {
      found.push(dir);
      return;
    }
    if (depth >= MAX_DEPTH) return;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith(".") || name === "node_modules") continue;
      const sub = join(dir, name);
      try {
        if (statSync(sub).isDirectory()) walk(sub, depth + 1);
      } catch {
        // Vanished while listing.
      }
    }
  };
  walk(root, 0);
  return found;
}

export function runId(root: string, dir: string): string {
  return relative(root, dir).split(sep).join("/") || ".";
}

export function listRuns(root: string): RunEntry[] {
  return findRunDirs(root).map((dir) => {
    const id = runId(root, dir);
    try {
      return { id, status: readRunStatus(dir), error: undefined };
    } catch (err) {
      return { id, status: undefined, error: (err as Error).message };
    }
  });
}

export interface GraphPoint {
  hash: string;
  composition: string;
  origin: string;
  accuracy: number;
  graded: number;
  ci: { low: number; high: number };
  searchAccuracy: number;
  searchGraded: number;
  validationAccuracy: number | null;
  validationGraded: number;
  flops: number;
  latencyMs: number;
  nodes: number;
  width: number;
  depth: number;
  fusers: number;
  singleModel: string | null;
  solid: boolean;
  role: "chosen" | "finalist" | "pareto" | "evaluated";
}

export interface RunView {
  id: string;
  status: RunStatus;
  curve: {
    sampled: { evals: number; accuracy: number; items: number; phase: string; hash: string }[];
    leader: { evals: number; value: number; hash: string }[];
    top: { evals: number; value: number; hash: string }[];
    label: string;
    topLabel: string;
  };
  graphs: GraphPoint[];
  chosen: { hash: string; basis: string; accuracy: number; graded: number; meanFlops: number; meanLatencyMs: number; how: string } | null;
  finalists: string[];
  pareto: string[];
  importance: FeatureImportance[];
  notes: string[];
}

const finiteOr = (x: number, or: number | null = null) => (Number.isFinite(x) ? x : or);

function point(g: GraphStats, role: GraphPoint["role"]): GraphPoint {
  const w = wilson(g.all.correct, g.all.graded);
  return {
    hash: g.hash,
    composition: composition(g.graph.nodes.map((n) => n.model)),
    origin: g.origin,
    accuracy: g.all.accuracy,
    graded: g.all.graded,
    ci: { low: w.low, high: w.high },
    searchAccuracy: g.search.accuracy,
    searchGraded: g.search.graded,
    validationAccuracy: finiteOr(g.validation.accuracy),
    validationGraded: g.validation.graded,
    flops: g.all.meanFlops,
    latencyMs: g.all.meanLatencyMs,
    nodes: g.nodes,
    width: g.width,
    depth: g.depth,
    fusers: g.graph.nodes.filter((n) => n.role === "fuser").length,
    singleModel: g.singleModel ?? null,
    solid: !g.failed && g.all.graded >= SOLID_ITEMS,
    role,
  };
}

/** Everything the dashboard draws of one run. */
export function runView(root: string, id: string): RunView {
  const dir = join(root, id);
  const status = readRunStatus(dir);
  const model = extractReport(readRunDir(dir));
  const finalists = model.candidates.map((c) => c.hash);
  const pareto = model.complete ? solidPareto(model).map((p) => p.hash) : model.fronts.flops;
  const chosen = model.best?.hash;
  const roleOf = (h: string): GraphPoint["role"] => (h === chosen ? "chosen" : finalists.includes(h) ? "finalist" : pareto.includes(h) ? "pareto" : "evaluated");
  const b = model.best;
  return {
    id,
    status,
    curve: {
      sampled: model.sampled.map((s) => ({ evals: s.evals, accuracy: s.accuracy, items: s.items, phase: s.phase, hash: s.hash })),
      leader: model.curve.points.filter((p) => Number.isFinite(p.best)).map((p) => ({ evals: p.evals, value: p.best, hash: p.hash })),
      top: model.curve.points.filter((p) => Number.isFinite(p.top)).map((p) => ({ evals: p.evals, value: p.top, hash: p.hash })),
      label: model.curve.label,
      topLabel: model.curve.topLabel,
    },
    graphs: model.graphs.filter((g) => Number.isFinite(g.all.accuracy)).map((g) => point(g, roleOf(g.hash))),
    chosen: b ? { hash: b.hash, basis: b.basis, accuracy: b.accuracy, graded: b.graded, meanFlops: b.meanFlops, meanLatencyMs: b.meanLatencyMs, how: b.how } : null,
    finalists,
    pareto,
    importance: featureImportance(model.graphs),
    notes: model.notes,
  };
}

/** A graph of a run by hash, as a graph file holds it (named for export). */
export function runGraph(root: string, id: string, hash: string): Graph | undefined {
  const model = extractReport(readRunDir(join(root, id)));
  const g = model.graphs.find((x) => x.hash === hash);
  if (!g) return undefined;
  return { ...g.graph, name: `${model.run.optimizer}-${hash}` };
}
