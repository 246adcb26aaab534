/**
 * The dashboard's HTTP server: the page, the vega and vega-lite browser builds from the installed
 * packages (no CDN), and JSON views of the run folders under one directory, read afresh on each
 * request so a running search shows its progress. It only reads the folders.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { z } from "zod";
import { drawGraph } from "../report/graph-svg.js";
import { bands } from "../report/bands.js";
import { dashboardPage } from "./page.js";
import { listRuns, runGraph, runView } from "./runs.js";

const require = createRequire(import.meta.url);

/** The browser builds served under /assets/. */
function assetFiles(): Record<string, string> {
  const vegaDir = dirname(require.resolve("vega/vega-schema.json"));
  const vegaLiteDir = dirname(require.resolve("vega-lite/vega-lite-schema.json"));
  return { "vega.min.js": join(vegaDir, "vega.min.js"), "vega-lite.min.js": join(vegaLiteDir, "vega-lite.min.js") };
}

const RunQuery = z.object({ run: z.string().min(1) });
const GraphQuery = z.object({ run: z.string().min(1), hash: z.string().regex(/^[0-9a-f]{4,64}$/, "a graph hash (hex)") });
const CompareQuery = z.object({ runs: z.string().min(1) });

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function query<T>(schema: z.ZodType<T>, url: URL): T {
  const r = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!r.success) throw new HttpError(400, `bad query: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return r.data;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff", ...extra });
  res.end(body);
}

const json = (res: ServerResponse, value: unknown) => send(res, 200, "application/json; charset=utf-8", JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v)));

export interface DashboardOptions {
  root: string;
  host: string;
  port: number;
}

export function dashboardHandler(root: string): (req: IncomingMessage, res: ServerResponse) => void {
  const assets = assetFiles();
  const known = (id: string) => {
    if (!listRuns(root).some((r) => r.id === id)) throw new HttpError(404, `no run folder ${JSON.stringify(id)} under the dashboard's directory`);
    return id;
  };
  return (req, res) => {
    try {
      if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "only GET");
      const url = new URL(req.url ?? "/", "http://localhost");
      const p = url.pathname;
      if (p === "/") return send(res, 200, "text/html; charset=utf-8", dashboardPage());
      if (p === "/favicon.ico") return send(res, 204, "image/x-icon", "");
      if (p.startsWith("/assets/")) {
        const file = assets[p.slice("/assets/".length)];
        if (!file) throw new HttpError(404, `no asset ${p}`);
        return send(res, 200, "text/javascript; charset=utf-8", readFileSync(file), { "cache-control": "max-age=3600" });
      }
      if (p === "/api/runs") return json(res, listRuns(root));
      if (p === "/api/run") return json(res, runView(root, known(query(RunQuery, url).run)));
      if (p === "/api/graph" || p === "/api/drawing") {
        const q = query(GraphQuery, url);
        const graph = runGraph(root, known(q.run), q.hash);
        if (!graph) throw new HttpError(404, `run ${q.run} has no graph ${q.hash}`);
        if (p === "/api/drawing") return send(res, 200, "image/svg+xml; charset=utf-8", drawGraph(graph, `d${q.hash.slice(0, 8)}`).svg);
        return send(res, 200, "application/json; charset=utf-8", `${JSON.stringify(graph, null, 2)}\n`, { "content-disposition": `attachment; filename="${graph.name}.graph.json"` });
      }
      if (p === "/api/compare") {
        const ids = query(CompareQuery, url).runs.split(",").map(known);
        const views = ids.map((id) => runView(root, id));
        const series = views.map((v) => ({ group: v.status.optimizer, run: v.id, points: v.curve.top.map((t) => ({ x: t.evals, y: t.value })) }));
        return json(res, { runs: views.map((v) => ({ id: v.id, optimizer: v.status.optimizer, seed: v.status.seed, state: v.status.state, top: v.curve.top, topLabel: v.curve.topLabel })), bands: bands(series) });
      }
      throw new HttpError(404, `no page ${p}`);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      send(res, status, "application/json; charset=utf-8", JSON.stringify({ error: (err as Error).message }));
    }
  };
}

/** Start the dashboard; resolves once it listens, with its address. */
export async function startDashboard(options: DashboardOptions): Promise<{ server: Server; url: string }> {
  const server = createServer(dashboardHandler(options.root));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : options.port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return { server, url: `http://${host}:${port}/` };
}
