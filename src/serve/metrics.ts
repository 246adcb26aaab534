/**
 * The server's metrics in the Prometheus text exposition format (version 0.0.4): requests by
 * endpoint, model and status, errors by kind, request latency and time to first token as
 * histograms, tokens and FLOPs by model, and requests in flight. A handful of series with labels
 * from a closed set (endpoints, served model ids, error codes), so memory stays flat under load.
 */

/** Upper bounds (seconds) of the latency buckets: 10 ms to 5 minutes. */
export const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const keys = Object.keys(labels);
  return keys.length === 0 ? "" : `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(",")}}`;
};
const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(15).replace(/\.?0+$/, ""));

class Counter {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels, by = 1): void {
    const key = labelText(labels);
    const cur = this.values.get(key);
    if (cur) cur.value += by;
    else this.values.set(key, { labels, value: by });
  }
  text(type = "counter"): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${type}`];
    for (const [key, v] of this.values) lines.push(`${this.name}${key} ${num(v.value)}`);
    return lines.join("\n");
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}
  observe(labels: Labels, value: number): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  text(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: num(b) })} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${num(s.sum)}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join("\n");
  }
}

/** What one request did, told to the metrics when its response is complete. */
export interface RequestRecord {
  endpoint: string;
  /** The served model id, or "" when the request named none that exists. */
  model: string;
  status: number;
  /** The error code when the request failed (e.g. `node_failed`, `invalid_api_key`, `client_closed`). */
  errorKind?: string | undefined;
  seconds: number;
  firstTokenSeconds?: number | undefined;
  /** Tokens and FLOPs the graph's calls used, by pool model. */
  usage?: readonly { model: string; promptTokens: number; completionTokens: number; flops: number }[] | undefined;
}

/** The server's metrics. */
export class ServeMetrics {
  private readonly requests = new Counter("tts_graph_requests_total", "Requests answered, by endpoint, served model and HTTP status.");
  private readonly errors = new Counter("tts_graph_errors_total", "Requests that failed, by kind (the error code; client_closed for a client that hung up).");
  private readonly latency = new Histogram("tts_graph_request_duration_seconds", "Time from a request's arrival to the end of its response.", LATENCY_BUCKETS);
  private readonly firstToken = new Histogram("tts_graph_time_to_first_token_seconds", "Time from a streamed request's arrival to its first content chunk.", LATENCY_BUCKETS);
  private readonly tokens = new Counter("tts_graph_tokens_total", "Tokens of the graphs' model calls, by pool model and kind (prompt or completion).");
  private readonly flops = new Counter("tts_graph_flops_total", "FLOPs of the graphs' model calls, by pool model.");
  private inFlight = 0;

  /** A request began; returns the function that ends it. */
  begin(): (record: RequestRecord) => void {
    this.inFlight++;
    let ended = false;
    return (r) => {
      if (ended) return;
      ended = true;
      this.inFlight--;
      this.requests.inc({ endpoint: r.endpoint, model: r.model, status: String(r.status) });
      if (r.errorKind !== undefined) this.errors.inc({ kind: r.errorKind });
      this.latency.observe({ endpoint: r.endpoint }, r.seconds);
      if (r.firstTokenSeconds !== undefined) this.firstToken.observe({ endpoint: r.endpoint }, r.firstTokenSeconds);
      for (const u of r.usage ?? []) {
        this.tokens.inc({ model: u.model, kind: "prompt" }, u.promptTokens);
        this.tokens.inc({ model: u.model, kind: "completion" }, u.completionTokens);
        this.flops.inc({ model: u.model }, u.flops);
      }
    };
  }

  /** The exposition text. */
  text(): string {
    const gauge = ["# HELP tts_graph_requests_in_flight Requests being answered now.", "# TYPE tts_graph_requests_in_flight gauge", `tts_graph_requests_in_flight ${this.inFlight}`].join("\n");
    return [this.requests.text(), this.errors.text(), this.latency.text(), this.firstToken.text(), this.tokens.text(), this.flops.text(), gauge].join("\n") + "\n";
  }
}
