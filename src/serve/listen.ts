/**
 * The Node adapter of the serve handler: binds a port with node:http, turns each request into a web
 * `Request` (its body read up to the size limit), writes the `Response` back (a stream as its
 * chunks come), and aborts the request's graph run when the client goes away, logging that in one
 * line. Closing stops accepting and answers every request already accepted: those still running
 * after the grace period are cancelled and answered 503, then the connections are closed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorResponse, HttpError } from "./errors.js";
import { DEFAULT_MAX_BODY_BYTES, type ServeHandler } from "./handler.js";

export interface ListenOptions {
  /** Interface to bind (default 127.0.0.1). */
  host?: string | undefined;
  /** Port (default 0: a free port chosen by the system). */
  port?: number | undefined;
  maxBodyBytes?: number | undefined;
  /** How long `close()` waits for requests in flight before cancelling them (default 30 s). */
  shutdownGraceMs?: number | undefined;
  /** Told about unexpected failures of the adapter itself. */
  onError?: ((err: unknown) => void) | undefined;
  /** Told, in one line, of each client that closed its connection before its response was complete. */
  onHangUp?: ((line: string) => void) | undefined;
}

export interface RunningServer {
  /** `http://HOST:PORT`; the OpenAI base URL is this plus `/v1`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Requests being answered now. */
  inFlight(): number;
  /** Stop accepting, finish (or after the grace period cancel) requests in flight, close connections. */
  close(): Promise<void>;
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;
/** How long cancelled requests get to write their 503 once the grace period is over. */
const CANCEL_WRITE_MS = 2_000;

/** Abort reasons, which the handler answers as such (not as a failed node). */
const clientClosed = () => new HttpError(499, "client_closed", "the client closed the connection");
const shuttingDown = () => new HttpError(503, "shutting_down", "the server is shutting down and cancelled this request after its grace period", { headers: { "retry-after": "1", connection: "close" } });

/** Headers that describe one hop's connection, not the request. */
const HOP_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "host", "upgrade", "expect", "te", "trailer", "proxy-connection"]);

/**
 * Read a request body up to `max` bytes. A larger body is discarded (reading on, so the client can
 * finish sending and read the 413) up to a hard cap, past which the connection is dropped.
 */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new HttpError(413, "body_too_large", `the request body is larger than the server accepts (${max} bytes)`, { headers: { connection: "close" } });
    const declared = Number(req.headers["content-length"] ?? "NaN");
    let over = Number.isFinite(declared) && declared > max;
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) over = true;
      if (over) {
        parts.length = 0;
        if (size > 16 * max) req.socket.destroy();
      } else parts.push(chunk);
    });
    req.on("end", () => (over ? reject(tooLarge()) : resolve(Buffer.concat(parts))));
    req.on("error", reject);
  });
}

async function writeResponse(res: ServerResponse, response: Response, extraHeaders: Record<string, string>): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => (headers[k] = v));
  Object.assign(headers, extraHeaders);
  if (response.body && /^text\/event-stream/.test(response.headers.get("content-type") ?? "")) {
    if (res.destroyed) return void (await response.body.cancel());
    res.writeHead(response.status, headers);
    res.flushHeaders();
    const reader = response.body.getReader();
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        if (res.destroyed) break;
        res.write(value);
      }
    } finally {
      if (res.destroyed) await reader.cancel().catch(() => undefined);
      else res.end();
    }
    return;
  }
  const body = Buffer.from(await response.arrayBuffer());
  headers["content-length"] = String(body.length);
  if (res.destroyed) return;
  res.writeHead(response.status, headers);
  res.end(body);
}

/**
 * Serve a handler on a port. Resolves once listening.
 *
 * @example
 * ```ts
 * import { listen } from "tts-graph";
 *
 * const server = await listen(async () => new Response("ok"), { host: "127.0.0.1", port: 0 });
 * console.log(server.port);
 * await server.close();
 * ```
 */
export async function listen(handler: ServeHandler, options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const grace = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  const active = new Set<AbortController>();
  let closing = false;
  let cancelling = false;
  let drained: (() => void) | undefined;
  let origin = "";

  const serveOne = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const abort = new AbortController();
    const started = performance.now();
    res.on("close", () => {
      if (res.writableFinished) return;
      const cancelled = abort.signal.aborted;
      if (!cancelled) abort.abort(clientClosed());
      if (!cancelled || !(abort.signal.reason instanceof HttpError && abort.signal.reason.status === 503)) {
        options.onHangUp?.(`client closed the connection before its response was complete: ${req.method ?? "GET"} ${req.url ?? "/"} after ${Math.round(performance.now() - started)} ms`);
      }
    });
    active.add(abort);
    try {
      // While closing, a request on a connection already accepted is still answered (and the
      // connection then closed); only once the grace period is over are late ones refused.
      if (cancelling) {
        req.resume();
        await writeResponse(res, errorResponse(new HttpError(503, "shutting_down", "the server is shutting down", { headers: { "retry-after": "1" } })), { connection: "close" });
        return;
      }
      const method = (req.method ?? "GET").toUpperCase();
      const body = await readBody(req, maxBody);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (v === undefined || HOP_HEADERS.has(k)) continue;
        headers.set(k, Array.isArray(v) ? v.join(", ") : v);
      }
      const hasBody = method !== "GET" && method !== "HEAD";
      const request = new Request(origin + (req.url ?? "/"), { method, headers, signal: abort.signal, ...(hasBody ? { body } : {}) });
      const response = await handler(request);
      await writeResponse(res, response, closing ? { connection: "close" } : {});
    } catch (err) {
      if (res.destroyed) {
        // The client is gone (logged as a hang-up): nothing to answer, and not a bug.
      } else if (err instanceof HttpError) {
        await writeResponse(res, errorResponse(err), err.status === 413 ? { connection: "close" } : {});
      } else {
        options.onError?.(err);
        await writeResponse(res, errorResponse(new HttpError(500, "internal_error", `internal error: ${err instanceof Error ? err.message : String(err)}`)), {});
      }
    } finally {
      active.delete(abort);
      if (closing) {
        server.closeIdleConnections();
        if (active.size === 0) drained?.();
      }
    }
  };

  const server = createServer((req, res) => {
    serveOne(req, res).catch((err: unknown) => {
      options.onError?.(err);
      res.destroy();
    });
  });
  // The server's own timeouts would cut off a slow graph run; the client decides how long to wait.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  origin = `http://${urlHost}:${address.port}`;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (active.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, grace))),
        ]);
        clearTimeout(timer);
        if (active.size > 0) {
          // Cancelled requests are answered 503 (the handler sees the abort reason), then closed.
          cancelling = true;
          for (const a of active) a.abort(shuttingDown());
          await Promise.race([new Promise<void>((resolve) => (drained = resolve)), new Promise<void>((resolve) => (timer = setTimeout(resolve, CANCEL_WRITE_MS)))]);
          clearTimeout(timer);
        }
      }
      server.closeAllConnections();
      await stopped;
    })());

  return { url: origin, host: address.address, port: address.port, inFlight: () => active.size, close };
}
