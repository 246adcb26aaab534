/** `tts-graph models probe POOL`: what each endpoint of a pool supports. */
import { probePool, type ProbeResult } from "../../models/probe.js";
import { resolvePool } from "../../resolve.js";
import { ExitError } from "../exit.js";
import { emit, table, type Io } from "../output.js";

const yesNo = (v: boolean | undefined) => (v === undefined ? "-" : v ? "yes" : "no");

function rows(results: ProbeResult[]): (string | number)[][] {
  return results.map((r) =>
    r.local
      ? [r.model, r.kind, "local", "-", "-", "-", "-"]
      : [r.model, r.baseURL ?? "", r.reachable ? "yes" : "NO", yesNo(r.usage), yesNo(r.streamingUsage), yesNo(r.nSupported), r.latencyMs === undefined ? "-" : `${r.latencyMs.toFixed(0)} ms`],
  );
}

export async function probeCommand(pool: string, opts: { json?: boolean; timeout?: number }, io: Io): Promise<void> {
  const loaded = resolvePool(pool);
  const results = await probePool(loaded.pool.models, { timeoutMs: opts.timeout });
  emit(io, opts.json, { pool: loaded.source, endpoints: results }, () => {
    const notes = results.flatMap((r) => [...(r.error ? [`${r.model}: unreachable: ${r.error}`] : []), ...r.notes.map((n) => `${r.model}: ${n}`)]);
    return [table(["model", "endpoint", "reachable", "usage", "stream usage", "n > 1", "latency"], rows(results)), ...(notes.length ? ["", ...notes] : [])].join("\n");
  });
  if (results.some((r) => !r.local && !r.reachable)) throw new ExitError(1);
}
