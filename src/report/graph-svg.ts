/**
 * A static SVG drawing of a collaboration graph: one column per topological level, left to right,
 * each node a box labelled with its id, role and model; edges as curves with arrowheads. Nodes in
 * a column are ordered by the mean position of their predecessors, which removes most crossings
 * in the small graphs a search produces.
 */
import type { Graph } from "../graph/schema.js";
import { topology } from "../graph/topology.js";
import { escapeXml } from "./escape.js";

const BOX_W = 168;
const BOX_H = 46;
const COL_GAP = 84;
const ROW_GAP = 22;
const PAD = 16;

export interface GraphDrawing {
  svg: string;
  width: number;
  height: number;
}

/** Node positions: the top-left corner of each box. */
export function layoutGraph(graph: Graph): { pos: Map<string, { x: number; y: number }>; width: number; height: number } {
  const { levels } = topology(graph);
  const preds = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  for (const [a, b] of graph.edges) preds.get(b)?.push(a);
  const rank = new Map<string, number>();
  const ordered: string[][] = [];
  levels.forEach((level, li) => {
    const keyed = level.map((id, k) => {
      const ps = (preds.get(id) ?? []).map((p) => rank.get(p)).filter((r): r is number => r !== undefined);
      return { id, key: ps.length > 0 ? ps.reduce((s, r) => s + r, 0) / ps.length : k, k };
    });
    if (li > 0) keyed.sort((a, b) => a.key - b.key || a.k - b.k);
    keyed.forEach((e, r) => rank.set(e.id, r));
    ordered.push(keyed.map((e) => e.id));
  });
  const tallest = Math.max(1, ...ordered.map((l) => l.length));
  const height = PAD * 2 + tallest * BOX_H + (tallest - 1) * ROW_GAP;
  const width = PAD * 2 + ordered.length * BOX_W + Math.max(0, ordered.length - 1) * COL_GAP;
  const pos = new Map<string, { x: number; y: number }>();
  ordered.forEach((level, li) => {
    const colH = level.length * BOX_H + (level.length - 1) * ROW_GAP;
    const top = (height - colH) / 2;
    level.forEach((id, r) => pos.set(id, { x: PAD + li * (BOX_W + COL_GAP), y: top + r * (BOX_H + ROW_GAP) }));
  });
  return { pos, width, height };
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Draw a graph as standalone SVG markup. `idPrefix` keeps marker ids unique within one page. */
export function drawGraph(graph: Graph, idPrefix = "g"): GraphDrawing {
  const { pos, width, height } = layoutGraph(graph);
  const arrow = `${idPrefix}-arrow`;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="graph-drawing" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(`collaboration graph with ${graph.nodes.length} nodes`)}">`);
  parts.push(`<defs><marker id="${arrow}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>`);
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  for (const [a, b] of graph.edges) {
    const p = pos.get(a);
    const q = pos.get(b);
    if (!p || !q) continue;
    const x1 = p.x + BOX_W;
    const y1 = p.y + BOX_H / 2;
    const x2 = q.x;
    const y2 = q.y + BOX_H / 2;
    const dx = Math.max(30, (x2 - x1) / 2);
    parts.push(`<path class="edge" d="M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}" fill="none" stroke="#777" stroke-width="1.4" marker-end="url(#${arrow})"><title>${escapeXml(`${a} → ${b}`)}</title></path>`);
  }
  for (const n of graph.nodes) {
    const p = pos.get(n.id);
    if (!p) continue;
    const isOut = n.id === graph.output;
    const fill = n.role === "fuser" ? "#fdd0a2" : "#deebf7";
    const stroke = isOut ? "#08306b" : "#6b8fb3";
    const head = `${n.id} · ${n.role}${isOut ? " (output)" : ""}`;
    parts.push(
      `<g class="node" data-node="${escapeXml(n.id)}"><title>${escapeXml(`${head}: ${n.model}`)}</title>` +
        `<rect x="${p.x}" y="${p.y}" width="${BOX_W}" height="${BOX_H}" rx="${n.role === "fuser" ? 14 : 5}" fill="${fill}" stroke="${stroke}" stroke-width="${isOut ? 2.6 : 1.2}"/>` +
        `<text x="${p.x + BOX_W / 2}" y="${p.y + 19}" text-anchor="middle" font-family="sans-serif" font-size="12" fill="#333">${escapeXml(truncate(head, 26))}</text>` +
        `<text x="${p.x + BOX_W / 2}" y="${p.y + 36}" text-anchor="middle" font-family="sans-serif" font-size="13" font-weight="bold" fill="#111">${escapeXml(truncate(n.model, 22))}</text></g>`,
    );
  }
  parts.push("</svg>");
  return { svg: parts.join(""), width, height };
}
