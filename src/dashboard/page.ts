/**
 * The dashboard's single page: a run list, one run's charts (search curve, accuracy against FLOPs,
 * parallel coordinates, feature importance) with hover and click on every point, the chosen,
 * finalist and Pareto graphs drawn, and a comparison of selected runs. Charts are Vega-Lite specs
 * compiled in the browser by the vega and vega-lite builds the server hands out; data comes from
 * the server's JSON views, polled so a running search's curve grows.
 */

import { htmlPage } from "../report/html.js";

// Vega compiles its expressions with `new Function`, hence 'unsafe-eval'; nothing leaves the origin.
const CSP = "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'";

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2433; margin: 0; background: #f7f8fa; }
header { background: #08306b; color: white; padding: 10px 20px; display: flex; gap: 16px; align-items: baseline; }
header h1 { font-size: 18px; margin: 0; }
header .dir { opacity: .8; font-size: 12px; }
#layout { display: grid; grid-template-columns: 420px 1fr; gap: 16px; padding: 16px; }
aside, section.panel { background: white; border: 1px solid #e3e8ef; border-radius: 8px; padding: 12px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eef1f5; }
tr.run { cursor: pointer; } tr.run:hover, tr.run.open { background: #eaf2fb; }
.state { display: inline-block; border-radius: 9px; padding: 0 8px; font-size: 12px; }
.state-running { background: #d9f0d3; color: #1b7837; } .state-finished { background: #deebf7; color: #08306b; } .state-interrupted { background: #fee6ce; color: #a63603; } .state-unreadable { background: #eee; color: #555; }
.row { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { min-height: 60px; }
h2 { margin: 4px 0 8px; font-size: 17px; } h3 { font-size: 14px; margin: 14px 0 6px; color: #34405a; }
#hover-panel { min-height: 120px; border: 1px dashed #c6dbef; border-radius: 6px; padding: 8px; margin: 8px 0; font-size: 13px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { border: 1px solid #e3e8ef; border-radius: 6px; padding: 6px; cursor: pointer; background: #fff; max-width: 420px; overflow: auto; }
.card:hover { border-color: #6baed6; }
.muted { color: #56607a; font-size: 12px; }
#graph-dialog { position: fixed; inset: 5% 10%; background: white; border: 1px solid #9ecae1; border-radius: 8px; padding: 16px; overflow: auto; box-shadow: 0 8px 30px rgba(0,0,0,.2); z-index: 10; }
#graph-dialog[hidden], section[hidden] { display: none; }
pre { background: #f6f8fa; border: 1px solid #e3e8ef; border-radius: 6px; padding: 8px; overflow-x: auto; }
button, a.button { font: inherit; padding: 4px 10px; border: 1px solid #6baed6; border-radius: 5px; background: #eaf2fb; color: #08306b; cursor: pointer; text-decoration: none; }
`;

/** Client code; written without template literals so it can sit in this one. */
const CLIENT = String.raw`
"use strict";
var state = { open: null, openDone: -1, openState: null, views: [], drawings: {}, selected: {}, run: null, compare: null };
function $(id) { return document.getElementById(id); }
function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; }); }
function pct(x) { return x === null || x === undefined || !isFinite(x) ? "n/a" : (100 * x).toFixed(1) + "%"; }
function sci(x) { return x === null || x === undefined || !isFinite(x) ? "n/a" : Number(x).toExponential(3); }
function ms(x) { return x === null || x === undefined || !isFinite(x) ? "n/a" : Math.round(x).toLocaleString("en-US") + " ms"; }
function getJson(url) { return fetch(url, { cache: "no-store" }).then(function (r) { if (!r.ok) return r.json().then(function (e) { throw new Error(e.error || r.statusText); }); return r.json(); }); }
function q(obj) { return Object.keys(obj).map(function (k) { return k + "=" + encodeURIComponent(obj[k]); }).join("&"); }

function finalizeViews() { state.views.forEach(function (v) { v.finalize(); }); state.views = []; }
function embed(el, spec, handlers) {
  el.innerHTML = "";
  var compiled = vegaLite.compile(spec).spec;
  var view = new vega.View(vega.parse(compiled), { renderer: "svg", container: el, hover: true });
  view.addEventListener("mouseover", function (ev, item) { if (item && item.datum && item.datum.hash && handlers && handlers.hover) handlers.hover(item.datum); });
  view.addEventListener("click", function (ev, item) { if (item && item.datum && item.datum.hash && handlers && handlers.click) handlers.click(item.datum); });
  state.views.push(view);
  return view.runAsync();
}

function renderRuns(runs) {
  var rows = runs.map(function (r) {
    var s = r.status;
    var st = s ? s.state : "unreadable";
    var best = s && s.best ? pct(s.best.accuracy) + (s.best.validated ? " validated" : " leader") : "-";
    return '<tr class="run' + (state.open === r.id ? " open" : "") + '" data-run="' + esc(r.id) + '" data-state="' + st + '">' +
      '<td><input type="checkbox" class="pick" data-run="' + esc(r.id) + '"' + (state.selected[r.id] ? " checked" : "") + '></td>' +
      "<td>" + esc(r.id) + '<div class="muted">' + (s ? esc(s.optimizer + " · " + s.task + " · seed " + s.seed) : esc(r.error || "")) + "</div></td>" +
      '<td><span class="state state-' + st + '">' + st + "</span></td>" +
      "<td>" + (s ? s.evals.done + "/" + s.evals.total : "") + "</td><td>" + best + "</td></tr>";
  });
  $("run-list").innerHTML = "<thead><tr><th></th><th>run</th><th>status</th><th>evals</th><th>best</th></tr></thead><tbody>" + rows.join("") + "</tbody>";
}

function curveSpec(v) {
  var c = v.curve;
  var phases = ["probe", "pretest", "search", "selection"];
  var sampled = c.sampled.map(function (s) { return Object.assign({ series: "sampled (" + s.phase + ")" }, s); });
  var line = function (pts, label) { return pts.map(function (p) { return { evals: p.evals, value: p.value, hash: p.hash, series: label }; }); };
  var color = { field: "series", type: "nominal", title: null, legend: { orient: "bottom", columns: 2, labelLimit: 380 },
    scale: { domain: phases.map(function (p) { return "sampled (" + p + ")"; }).concat([c.topLabel, c.label]), range: ["#9e9ac8", "#74c476", "#6baed6", "#fd8d3c", "#08306b", "#969696"] } };
  var x = { field: "evals", type: "quantitative", title: "search cost (graph-item evaluations)" };
  var y = { field: "value", type: "quantitative" };
  return { width: 520, height: 260, layer: [
    { data: { values: sampled }, mark: { type: "circle", opacity: 0.6 }, encoding: { x: x, y: { field: "accuracy", type: "quantitative", title: "accuracy", scale: { domain: [0, 1] }, axis: { format: "%" } }, size: { field: "items", type: "quantitative", legend: null, scale: { range: [15, 90] } }, color: color } },
    { data: { values: line(c.leader, c.label) }, mark: { type: "line", interpolate: "step-after", strokeDash: [4, 3], strokeWidth: 1.5 }, encoding: { x: x, y: y, color: color } },
    { data: { values: line(c.top, c.topLabel) }, mark: { type: "line", interpolate: "step-after", strokeWidth: 2.5, point: { filled: true, size: 25 } }, encoding: { x: x, y: y, color: color } }
  ] };
}
var ROLES = { domain: ["chosen", "finalist", "pareto", "evaluated"], range: ["#08306b", "#e6550d", "#31a354", "#9ecae1"] };
function tradeoffSpec(v) {
  var rows = v.graphs.filter(function (g) { return g.flops > 0; });
  return { width: 420, height: 260, data: { values: rows }, mark: { type: "point", filled: true }, encoding: {
    x: { field: "flops", type: "quantitative", scale: { type: "log" }, axis: { format: ".1e" }, title: "mean FLOPs per query" },
    y: { field: "accuracy", type: "quantitative", scale: { domain: [0, 1] }, axis: { format: "%" }, title: "accuracy (all graded items)" },
    color: { field: "role", type: "nominal", scale: ROLES, legend: { orient: "bottom" } },
    size: { field: "graded", type: "quantitative", legend: null, scale: { range: [20, 200] } },
    opacity: { condition: { test: "datum.solid", value: 0.9 }, value: 0.35 } } };
}
var DIMS = ["nodes", "width", "depth", "fusers", "log10 FLOPs", "latency ms", "accuracy"];
function parallelSpec(v) {
  var rows = v.graphs.filter(function (g) { return g.solid; }).map(function (g) {
    return { hash: g.hash, role: g.role, composition: g.composition, accuracy: g.accuracy, nodes: g.nodes, width: g.width, depth: g.depth, fusers: g.fusers, "log10 FLOPs": g.flops > 0 ? Math.log10(g.flops) : 0, "latency ms": g.latencyMs };
  });
  return { width: 520, height: 240, data: { values: rows }, transform: [
    { fold: DIMS, as: ["dimension", "raw"] },
    { joinaggregate: [{ op: "min", field: "raw", as: "lo" }, { op: "max", field: "raw", as: "hi" }], groupby: ["dimension"] },
    { calculate: "datum.hi === datum.lo ? 0.5 : (datum.raw - datum.lo) / (datum.hi - datum.lo)", as: "position" }
  ], layer: [
    { mark: { type: "line", opacity: 0.55, strokeWidth: 1.5 }, encoding: { x: { field: "dimension", type: "nominal", sort: DIMS, title: null, axis: { labelAngle: 0 } }, y: { field: "position", type: "quantitative", axis: null }, detail: { field: "hash" }, color: { field: "role", type: "nominal", scale: ROLES, legend: null } } },
    { mark: { type: "text", dy: -6, fontSize: 9, color: "#56607a" }, transform: [{ filter: "datum.position === 1 || datum.position === 0" }, { aggregate: [{ op: "min", field: "raw", as: "raw" }], groupby: ["dimension", "position"] }], encoding: { x: { field: "dimension", type: "nominal", sort: DIMS }, y: { field: "position", type: "quantitative" }, text: { field: "raw", type: "quantitative", format: ".3~g" } } }
  ] };
}
function importanceSpec(v) {
  return { width: 300, height: 200, data: { values: v.importance }, layer: [
    { mark: "bar", encoding: { y: { field: "feature", type: "nominal", sort: null, title: null }, x: { field: "importance", type: "quantitative", title: "share of accuracy variance explained (eta²)", scale: { domain: [0, 1] } }, color: { value: "#6baed6" } } },
    { mark: { type: "text", align: "left", dx: 4, fontSize: 11 }, encoding: { y: { field: "feature", type: "nominal", sort: null }, x: { field: "importance", type: "quantitative" }, text: { field: "bestValue", type: "nominal" } } }
  ] };
}

function graphOf(hash) { return state.run ? state.run.graphs.find(function (g) { return g.hash === hash; }) : undefined; }
function drawing(hash) {
  var key = state.open + "/" + hash;
  if (!state.drawings[key]) state.drawings[key] = fetch("/api/drawing?" + q({ run: state.open, hash: hash })).then(function (r) { return r.ok ? r.text() : ""; });
  return state.drawings[key];
}
function scores(g) {
  return "<table><tr><td>graph</td><td>" + esc(g.hash) + " (" + esc(g.role) + ")</td></tr>" +
    "<tr><td>composition</td><td>" + esc(g.composition) + "</td></tr>" +
    "<tr><td>accuracy, all graded items</td><td>" + pct(g.accuracy) + " [" + pct(g.ci.low) + ", " + pct(g.ci.high) + "] on " + g.graded + "</td></tr>" +
    "<tr><td>search / validation</td><td>" + pct(g.searchAccuracy) + " on " + g.searchGraded + " / " + (g.validationGraded > 0 ? pct(g.validationAccuracy) + " on " + g.validationGraded : "none") + "</td></tr>" +
    "<tr><td>FLOPs, latency per query</td><td>" + sci(g.flops) + ", " + ms(g.latencyMs) + "</td></tr>" +
    "<tr><td>nodes / width / depth</td><td>" + g.nodes + " / " + g.width + " / " + g.depth + "</td></tr>" +
    "<tr><td>found by</td><td>" + esc(g.origin) + "</td></tr></table>";
}
function showHover(d) {
  var g = graphOf(d.hash);
  if (!g) return;
  var panel = $("hover-panel");
  panel.setAttribute("data-hash", g.hash);
  panel.innerHTML = '<div class="hover-scores">' + scores(g) + '</div><div class="hover-drawing"></div>';
  drawing(g.hash).then(function (svg) { if (panel.getAttribute("data-hash") === g.hash) panel.querySelector(".hover-drawing").innerHTML = svg; });
}
function openGraph(d) {
  var g = graphOf(d.hash);
  if (!g) return;
  var s = state.run.status;
  var file = (s.optimizer + "-" + g.hash) + ".graph.json";
  var dlg = $("graph-dialog");
  dlg.setAttribute("data-hash", g.hash);
  dlg.innerHTML = '<button id="close-graph" style="float:right">Close</button><h2>Graph ' + esc(g.hash) + "</h2>" + scores(g) +
    '<div class="dialog-drawing"></div><p><a class="button" id="export-graph" download="' + esc(file) + '" href="/api/graph?' + esc(q({ run: state.open, hash: g.hash })) + '">Export graph file</a></p>' +
    "<p>Serve it as an OpenAI-compatible model:</p><pre id=\"serve-command\">tts-graph serve " + esc(file) + " --pool " + esc(s.pool) + " --task " + esc(s.task) + "</pre>";
  dlg.hidden = false;
  $("close-graph").onclick = function () { dlg.hidden = true; };
  drawing(g.hash).then(function (svg) { dlg.querySelector(".dialog-drawing").innerHTML = svg; });
}
function cards(el, hashes) {
  el.innerHTML = hashes.length ? "" : '<p class="muted">none</p>';
  hashes.forEach(function (h) {
    var g = graphOf(h);
    if (!g) return;
    var card = document.createElement("div");
    card.className = "card";
    card.setAttribute("data-hash", h);
    card.innerHTML = '<div class="muted">' + esc(h + " · " + g.composition + " · " + pct(g.accuracy) + " on " + g.graded) + "</div>";
    card.onclick = function () { openGraph(g); };
    el.appendChild(card);
    drawing(h).then(function (svg) { card.insertAdjacentHTML("beforeend", svg); });
  });
}

function renderRun(v) {
  state.run = v;
  $("run-view").removeAttribute("data-rendered");
  var s = v.status;
  $("run-title").textContent = v.id + " — " + s.optimizer + " on " + s.task + " with " + s.pool + " (" + s.state + ")";
  var c = v.chosen;
  $("run-facts").innerHTML = c ? esc((s.state === "finished" ? "chosen graph " : "leader so far ") + c.hash + ": " + pct(c.accuracy) + " on " + c.graded + " " + c.basis + " items, " + sci(c.meanFlops) + " FLOPs, " + ms(c.meanLatencyMs) + " per query") : "no graph graded on enough items yet";
  $("run-notes").innerHTML = v.notes.map(function (n) { return "<li>" + esc(n) + "</li>"; }).join("");
  finalizeViews();
  var handlers = { hover: showHover, click: openGraph };
  var curve = $("chart-curve");
  curve.setAttribute("data-points", String(v.curve.sampled.length));
  return Promise.all([embed(curve, curveSpec(v), handlers), embed($("chart-tradeoff"), tradeoffSpec(v), handlers), embed($("chart-parallel"), parallelSpec(v), handlers), embed($("chart-importance"), importanceSpec(v), {})]).then(function () {
    cards($("chosen"), c ? [c.hash] : []);
    cards($("finalists"), v.finalists);
    cards($("pareto"), v.pareto);
    curve.setAttribute("data-rendered", String(v.curve.sampled.length));
    $("run-view").setAttribute("data-rendered", v.id);
  });
}

function openRun(id) {
  state.open = id; state.openDone = -1; state.drawings = {};
  $("compare-view").hidden = true; $("run-view").hidden = false;
  return refreshOpen();
}
function refreshOpen() {
  if (!state.open) return Promise.resolve();
  return getJson("/api/run?" + q({ run: state.open })).then(function (v) {
    if (v.status.evals.done === state.openDone && v.status.state === state.openState) return;
    state.openDone = v.status.evals.done; state.openState = v.status.state;
    return renderRun(v);
  });
}

function compareSpec(data) {
  var runs = [];
  data.runs.forEach(function (r) { r.top.forEach(function (p) { runs.push({ run: r.id, method: r.optimizer, evals: p.evals, value: p.value }); }); });
  return { width: 720, height: 320, layer: [
    { data: { values: data.bands }, mark: { type: "area", opacity: 0.18, interpolate: "step-after" }, encoding: { x: { field: "x", type: "quantitative", title: "search cost (graph-item evaluations)" }, y: { field: "low", type: "quantitative", title: "best so far", axis: { format: "%" } }, y2: { field: "high" }, color: { field: "group", type: "nominal", title: "method" } } },
    { data: { values: data.bands }, mark: { type: "line", strokeWidth: 3, interpolate: "step-after" }, encoding: { x: { field: "x", type: "quantitative" }, y: { field: "mean", type: "quantitative" }, color: { field: "group", type: "nominal", title: "method" } } },
    { data: { values: runs }, mark: { type: "line", strokeWidth: 1, strokeDash: [3, 2], interpolate: "step-after" }, encoding: { x: { field: "evals", type: "quantitative" }, y: { field: "value", type: "quantitative" }, detail: { field: "run" }, color: { field: "method", type: "nominal", title: "method" } } }
  ] };
}
function openCompare() {
  var ids = Object.keys(state.selected).filter(function (k) { return state.selected[k]; });
  if (ids.length === 0) return Promise.resolve();
  state.open = null;
  $("run-view").hidden = true; $("compare-view").hidden = false;
  return getJson("/api/compare?" + q({ runs: ids.join(",") })).then(function (data) {
    finalizeViews();
    var el = $("chart-compare");
    $("compare-title").textContent = "Comparison of " + ids.length + " runs: " + ids.join(", ");
    return embed(el, compareSpec(data), {}).then(function () { el.setAttribute("data-runs", String(data.runs.length)); });
  });
}

function refreshRuns() {
  return getJson("/api/runs").then(function (runs) { renderRuns(runs); });
}
document.addEventListener("click", function (e) {
  var t = e.target;
  if (t.classList && t.classList.contains("pick")) { state.selected[t.getAttribute("data-run")] = t.checked; return; }
  var tr = t.closest ? t.closest("tr.run") : null;
  if (tr) openRun(tr.getAttribute("data-run"));
});
$("compare-button").onclick = function () { openCompare(); };
function tick() {
  Promise.all([refreshRuns(), refreshOpen()]).catch(function (err) { $("error").textContent = String(err.message || err); }).then(function () { setTimeout(tick, 1000); });
}
tick();
`;

export function dashboardPage(title = "tts-graph dashboard"): string {
  return htmlPage({
    title,
    csp: CSP,
    css: CSS,
    head: `<script src="/assets/vega.min.js"></script>\n<script src="/assets/vega-lite.min.js"></script>\n`,
    body: `<header><h1>${title}</h1><span class="dir">search runs, read live from their folders</span><span id="error"></span></header>
<div id="layout">
<aside><h2>Runs</h2><table id="run-list"></table><p><button id="compare-button">Compare selected runs</button></p><p class="muted">Click a run to open it; tick several to compare their best-so-far curves (bands: min to max over runs of one method, thick line: their mean).</p></aside>
<div>
<section class="panel" id="run-view" hidden>
<h2 id="run-title"></h2><p id="run-facts"></p>
<div class="row"><div><h3>Search curve</h3><div id="chart-curve" class="chart"></div><p class="muted">Dots: each graph's accuracy on an iteration's batch. Solid line: the best so far, never falling; dashed: the leader's current estimate.</p></div>
<div><h3>Accuracy against FLOPs</h3><div id="chart-tradeoff" class="chart"></div><p class="muted">Faint points: graded on fewer than 8 items.</p></div></div>
<h3>Hovered graph</h3><div id="hover-panel" class="muted">Hover a point or a line to see its graph and scores; click it to open it and export it.</div>
<div class="row"><div><h3>Parallel coordinates (graphs graded on at least 8 items)</h3><div id="chart-parallel" class="chart"></div></div>
<div><h3>Feature importance</h3><div id="chart-importance" class="chart"></div><p class="muted">Share of the variance of accuracy across graphs explained by each feature alone, with the best value written beside; an association in what the search evaluated, not a cause.</p></div></div>
<h3>Chosen graph</h3><div id="chosen" class="cards"></div>
<h3>Finalists</h3><div id="finalists" class="cards"></div>
<h3>Pareto graphs (accuracy, FLOPs, latency; at least 8 items)</h3><div id="pareto" class="cards"></div>
<ul id="run-notes" class="muted"></ul>
</section>
<section class="panel" id="compare-view" hidden><h2 id="compare-title"></h2><div id="chart-compare" class="chart"></div></section>
</div>
</div>
<div id="graph-dialog" hidden></div>
<script>${CLIENT}</script>`,
  });
}
