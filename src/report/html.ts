/**
 * The HTML report: one self-contained file. Styles are inline, charts and the graph drawing are
 * inline SVG, and a Content-Security-Policy forbids every fetch, so the page renders the same
 * offline and can never reach the network.
 */
import { toMermaid } from "../graph/render.js";
import { VERSION } from "../version.js";
import { BREAK_EVEN_DEFINITION, type BreakEven } from "./break-even.js";
import { escapeXml as esc } from "./escape.js";
import type { ReportModel } from "./extract.js";
import { agentUnusable, SOLID_ITEMS } from "./extract.js";
import { composition } from "./format.js";
import { drawGraph } from "./graph-svg.js";
import { KEPT_FEEDBACK, SHOWN_ROWS, baselineTable, bestTable, candidateTable, costTable, iterationTable, keyFacts, paretoTable, runTable, type Table } from "./tables.js";

export interface RenderedCharts {
  curve: string;
  flops: string;
  latency: string;
}

export const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1d2330; background: #f4f6f9; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 10px; border-bottom: 1px solid #dde3ea; padding-bottom: 6px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
.sub { color: #56607a; margin: 0 0 16px; }
section { background: #fff; border: 1px solid #dde3ea; border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
.banner { background: #fff4e5; border: 1px solid #f0b35b; border-radius: 8px; padding: 10px 14px; margin: 12px 0; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px; }
.fact { border: 1px solid #e3e8ef; border-radius: 6px; padding: 10px 12px; background: #fafbfd; }
.fact .label { color: #56607a; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.fact .value { font-size: 20px; font-weight: 600; margin-top: 2px; }
.fact .note { color: #6b7489; font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.charts figure { flex: 1 1 460px; min-width: 0; }
figure { margin: 0; }
figure.chart svg, figure.graph svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #56607a; font-size: 12.5px; margin-top: 6px; max-width: 640px; }
table { border-collapse: collapse; margin: 6px 0 4px; font-size: 13px; }
th, td { border-bottom: 1px solid #e6eaf0; padding: 4px 10px 4px 0; text-align: left; vertical-align: top; }
th { color: #56607a; font-weight: 600; }
td.num, th.num { text-align: right; padding-left: 10px; }
table.kv td:first-child { color: #56607a; padding-right: 18px; }
.scroll { overflow-x: auto; }
pre { background: #f6f8fa; border: 1px solid #e3e8ef; border-radius: 6px; padding: 10px; overflow-x: auto; font-size: 12.5px; }
.feedback { border-left: 3px solid #6baed6; margin: 10px 0; padding: 4px 0 4px 12px; }
.feedback .meta { color: #56607a; font-size: 12px; }
.feedback .text { white-space: pre-wrap; }
.status-repaid { color: #1b7837; }
.status-not-repaid, .status-not-estimable { color: #b35806; }
details.long > summary { cursor: pointer; color: #2b5c8a; margin: 8px 0; }
.finalists { display: flex; flex-wrap: wrap; gap: 12px; }
figure.finalist { margin: 0; border: 1px solid #e3e8ef; border-radius: 6px; padding: 6px; max-width: 100%; overflow-x: auto; }
figure.finalist figcaption { color: #56607a; font-size: 12px; }
footer { color: #8a93a6; font-size: 12px; margin-top: 24px; }
`;

/** A whole HTML document: the shell every page of the project shares. `head` and `body` are markup. */
export function htmlPage(p: { title: string; csp: string; css: string; head?: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${p.csp}">
<title>${esc(p.title)}</title>
<style>${p.css}</style>
${p.head ?? ""}</head>
<body>
${p.body}
</body>
</html>
`;
}

export function table(t: Table, cls = ""): string {
  const head = t.headers.some((h) => h !== "") ? `<thead><tr>${t.headers.map((h, i) => `<th${t.numeric.includes(i) ? ' class="num"' : ""}>${esc(h)}</th>`).join("")}</tr></thead>` : "";
  const body = t.rows.map((r) => `<tr>${r.map((c, i) => `<td${t.numeric.includes(i) ? ' class="num"' : ""}>${esc(c)}</td>`).join("")}</tr>`).join("\n");
  return `<div class="scroll"><table${cls ? ` class="${cls}"` : ""}>${head}<tbody>${body}</tbody></table></div>`;
}

function collapsedTable(t: Table, what: string): string {
  if (t.rows.length <= 2 * SHOWN_ROWS) return table(t);
  const head = { ...t, rows: [...t.rows.slice(0, SHOWN_ROWS / 2), ...t.rows.slice(-SHOWN_ROWS / 2)] };
  return `${table(head)}<details class="long"><summary>${esc(`all ${t.rows.length} ${what}`)}</summary>${table(t)}</details>`;
}

function collapsedFeedback(blocks: readonly string[]): string {
  const kept = blocks.slice(-KEPT_FEEDBACK);
  const dropped = blocks.length - kept.length;
  const note = dropped > 0 ? ` (the last ${kept.length}; ${dropped} earlier ones are in events.jsonl)` : "";
  return `<h3>Feedback</h3><details class="long" id="feedback"><summary>${esc(`${blocks.length} feedback and fallback notes${note}`)}</summary>${kept.join("\n")}</details>`;
}

/** Each finalist drawn, so two of the same composition are told apart by their structure. */
function finalistDrawings(model: ReportModel): string {
  const figures = model.candidates.map(
    (c) => `<figure class="finalist" data-graph="${esc(c.hash)}">${drawGraph(c.graph, `f${c.hash.slice(0, 8)}`).svg}<figcaption>${esc(`${c.hash}${c.hash === model.best?.hash ? " (chosen)" : ""}: ${composition(c.graph.nodes.map((n) => n.model))}`)}</figcaption></figure>`,
  );
  return `<details class="long" id="finalist-drawings"><summary>${esc(`the ${figures.length} finalists drawn`)}</summary><div class="finalists">${figures.join("")}</div></details>`;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>\n${body}\n</section>`;
}

export function buildHtml(model: ReportModel, be: BreakEven, charts: RenderedCharts, graphSvg: string | undefined): string {
  const r = model.run;
  const title = `tts-graph search report: ${r.task}, ${r.pool}, ${r.optimizer}`;
  const parts: string[] = [];
  parts.push(`<header><h1>Search report</h1><p class="sub">${esc(`${r.optimizer} on ${r.task} with pool ${r.pool}; budget ${r.budget} per query; objective: ${r.objective}; seed ${r.seed ?? "unknown"}`)}</p></header>`);
  if (!model.complete) {
    parts.push(`<div class="banner" id="incomplete"><strong>Incomplete run.</strong> ${esc("result.json is missing: the search has not finished (or was stopped). Everything below is computed from the event log so far; the best graph shown is the leader on search items, not a validated choice.")}</div>`);
  }
  const unusable = agentUnusable(model.cost.agent, model.agentCalls[0]?.model);
  if (unusable) parts.push(`<div class="banner" id="agent-unusable"><strong>LLM agent unused.</strong> ${esc(unusable)}</div>`);
  parts.push(`<section id="summary"><div class="facts">${keyFacts(model, be)
    .map((f) => `<div class="fact"><div class="label">${esc(f.label)}</div><div class="value">${esc(f.value)}</div>${f.note ? `<div class="note">${esc(f.note)}</div>` : ""}</div>`)
    .join("")}</div></section>`);

  parts.push(
    section(
      "curve",
      "Search curve",
      `<figure class="chart" data-chart="curve">${charts.curve}<figcaption>${esc(
        `Each dot is one graph's accuracy on one iteration's batch of items (dot size: batch items), placed at the search cost spent so far, coloured by phase. The solid line is the ${model.curve.topLabel}: it never falls. The dashed line is the ${model.curve.label}${model.curve.source === "result" ? ", as the harness ranked graphs after each iteration" : ", computed from the log"}; it can fall as the leader is graded on more items.`,
      )}</figcaption></figure>`,
    ),
  );

  const frontNote = `Each point is one evaluated graph: its accuracy over every item it was graded on, against its mean measured cost per query. Point size: graded items. The dashed line and orange points are the Pareto front of the chart: graphs graded on at least ${SOLID_ITEMS} items that no other such graph matches or beats on both accuracy and cost.`;
  parts.push(
    section(
      "tradeoff",
      "Accuracy against cost",
      `<div class="charts"><figure class="chart" data-chart="flops"><h3>Accuracy against FLOPs</h3>${charts.flops}<figcaption>${esc(frontNote)}</figcaption></figure>` +
        `<figure class="chart" data-chart="latency"><h3>Accuracy against latency</h3>${charts.latency}<figcaption>${esc(frontNote)}</figcaption></figure></div>` +
        (paretoTable(model) ? `<h3>Pareto set of the search (accuracy, FLOPs and latency together)</h3>${table(paretoTable(model)!)}` : ""),
    ),
  );

  const bt = bestTable(model);
  parts.push(
    section(
      "best-graph",
      model.complete ? "Best graph" : "Leading graph so far",
      model.best
        ? `<figure class="graph" data-graph="${esc(model.best.hash)}">${graphSvg ?? ""}<figcaption>${esc("Columns are topological levels, left to right; an arrow carries a node's answer into its successor's context. Blue boxes are assistants, orange rounded boxes fusers; the output node has a dark border.")}</figcaption></figure>` +
            (bt ? table(bt, "kv") : "") +
            `<details><summary>Mermaid source</summary><pre>${esc(toMermaid(model.best.graph))}</pre></details>`
        : `<p>${esc(`No graph has been graded on at least ${SOLID_ITEMS} items yet.`)}</p>`,
    ),
  );

  const blt = baselineTable(be);
  parts.push(
    section(
      "break-even",
      "Break-even",
      `<p class="status-${be.status}"><strong>${esc(be.summary)}</strong></p>` +
        `<p>${esc(BREAK_EVEN_DEFINITION)}</p>` +
        (be.target ? `<p>${esc(`a* = ${(100 * be.target.accuracy).toFixed(1)}% (${be.target.basis} items, ${be.target.graded} graded); f* = ${be.target.meanFlops.toExponential(3)} FLOPs per query; S = ${be.searchFlops.total.toExponential(3)} FLOPs.`)}</p>` : "") +
        (blt ? `<h3>Single-model baselines evaluated</h3>${table(blt)}` : "") +
        `<p class="sub">${esc("Accuracies of baselines seen on few items are noisy; read the estimate with the confidence intervals above in mind.")}</p>`,
    ),
  );

  const ct = candidateTable(model);
  if (ct) parts.push(section("candidates", "Finalists", `${table(ct)}<p class="sub">${esc(model.selectionRule ?? "")}</p>${finalistDrawings(model)}`));

  parts.push(section("cost", "Search cost", `${table(costTable(model, be), "kv")}<p class="sub">${esc(model.costSource === "result" ? "From result.json." : "Summed from the event log (the run has not finished).")}</p>`));

  const feedback = model.iterations.flatMap((it) => [
    ...it.feedback.map((f) => `<div class="feedback" data-iteration="${it.iteration}"><div class="meta">${esc(`iteration ${it.iteration} (${it.phase}), ${f.agent} agent`)}</div><div class="text">${esc(f.text)}</div></div>`),
    ...it.fallbacks.map((why) => `<div class="feedback" data-iteration="${it.iteration}"><div class="meta">${esc(`iteration ${it.iteration}: fallback to the rule agent`)}</div><div class="text">${esc(why)}</div></div>`),
  ]);
  parts.push(section("iterations", "Iterations and agent feedback", `${collapsedTable(iterationTable(model), "iterations")}${feedback.length > 0 ? collapsedFeedback(feedback) : `<p>${esc("The optimizer wrote no feedback events (only Agent-REINFORCE and the LLM-driven methods write them).")}</p>`}`));

  parts.push(section("config", "Configuration", `${table(runTable(model), "kv")}<pre>${esc(JSON.stringify(model.config, null, 2))}</pre>`));
  if (model.notes.length > 0) parts.push(section("notes", "Notes on the run directory", `<ul>${model.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`));
  parts.push(`<footer>${esc(`Generated by tts-graph ${VERSION} from ${model.dir}. Self-contained: no scripts, fonts or other files are loaded.`)}</footer>`);

  return htmlPage({ title, csp: CSP, css: CSS, body: `<main>\n${parts.join("\n")}\n</main>` });
}
