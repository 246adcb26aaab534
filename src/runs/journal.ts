/**
 * The event journal of a run: `events.jsonl`, one recorded event per line, append-only. A process
 * killed mid-write can leave a torn last line; the reader drops it (the event is produced again on
 * resume), while damage anywhere else is an error naming the line. The writer syncs to disk at
 * iteration boundaries, and on resume it first checks the re-run's events against the lines already
 * there, so the file never loses what it had and never holds an event twice.
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync } from "node:fs";
import { z } from "zod";
import { UserError } from "../errors.js";
import { EVENT_VERSION, type RecordedEvent } from "../search/events.js";
import { writeAll, writeFailure } from "../util/files.js";

/** The fields every recorded event has; the rest is the event's own payload. */
const RecordedEventSchema = z.looseObject({ type: z.string().min(1), v: z.number().int(), seq: z.number().int().min(0) });

export interface JournalRead {
  events: RecordedEvent[];
  /** Each event's line, exactly as stored (no newline). */
  lines: string[];
  /** Byte offset just after each event's newline. */
  ends: number[];
  /** Bytes of the file holding complete events. */
  validBytes: number;
  /** Present when the last line was cut short (a write interrupted by a crash) and was dropped. */
  torn?: { line: number; bytes: number } | undefined;
}

/** Graph-item evaluations a journal records (search and validation). */
export function journalEvaluations(events: readonly RecordedEvent[]): number {
  return events.reduce((n, e) => n + (e.type === "eval.batch" ? e.items.length : 0), 0);
}

/** Render an event as its journal line (no newline). Non-finite numbers become null. */
export function journalLine(event: RecordedEvent): string {
  return JSON.stringify(event, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v));
}

/** Parse journal text; `source` names the file in errors. */
export function parseJournal(text: string, source: string): JournalRead {
  const buf = Buffer.from(text, "utf8");
  const events: RecordedEvent[] = [];
  const lines: string[] = [];
  const ends: number[] = [];
  let start = 0;
  let torn: JournalRead["torn"];
  while (start < buf.length) {
    const nl = buf.indexOf(10, start);
    const lineNo = lines.length + 1;
    if (nl < 0) {
      // No newline: the write of this line never finished. Whatever it holds is produced again.
      torn = { line: lineNo, bytes: buf.length - start };
      break;
    }
    const line = buf.subarray(start, nl).toString("utf8");
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      throw new UserError(`${source}: line ${lineNo} is not valid JSON (${(err as Error).message}); only the last line of a run's journal may be damaged (by a crash), so this file was changed by something else`, {
        source,
        code: "journal_corrupt",
      });
    }
    const r = RecordedEventSchema.safeParse(parsed);
    if (!r.success) {
      throw new UserError(`${source}: line ${lineNo} is not a recorded event (expected an object with "type", "v" and "seq")`, { source, code: "journal_corrupt" });
    }
    if (r.data.v > EVENT_VERSION) {
      throw new UserError(`${source}: line ${lineNo} has event format ${r.data.v}, newer than this tts-graph reads (${EVENT_VERSION}); upgrade tts-graph to read this run`, { source, code: "journal_version" });
    }
    if (r.data.seq !== events.length) {
      throw new UserError(`${source}: line ${lineNo} has seq ${r.data.seq}, expected ${events.length} (events lost or duplicated)`, { source, code: "journal_corrupt" });
    }
    events.push(Object.freeze(parsed) as RecordedEvent);
    lines.push(line);
    start = nl + 1;
    ends.push(start);
  }
  return { events, lines, ends, validBytes: start, torn };
}

/** Read a journal file (a missing file reads as empty). */
export function readJournal(path: string): JournalRead {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { events: [], lines: [], ends: [], validBytes: 0 };
    throw new UserError(`cannot read the run's event journal ${path}: ${(err as Error).message}`, { source: path, code: "file_unreadable" });
  }
  return parseJournal(text, path);
}

export interface JournalWriterOptions {
  /** Lines already in the file (from {@link readJournal}); the writer checks re-run events against them. */
  existing?: JournalRead | undefined;
}

/**
 * Appends events to a journal. With `existing`, the file is first cut to its complete lines; then
 * each event whose seq is already stored is compared with the stored line instead of written. The
 * first event that differs (the re-run diverged from the log) cuts the file there, and from then on
 * every event is appended.
 */
export class JournalWriter {
  private fd: number | undefined;
  private readonly stored: string[];
  private readonly ends: number[];
  private count = 0;
  private dirty = false;
  /** Seq of the first event that differed from the stored log, if any. */
  divergedAt: number | undefined;

  constructor(
    readonly path: string,
    options: JournalWriterOptions = {},
  ) {
    const existing = options.existing;
    this.stored = existing ? [...existing.lines] : [];
    this.ends = existing ? [...existing.ends] : [];
    try {
      this.fd = openSync(path, existing ? "a" : "w");
      if (existing) ftruncateSync(this.fd, existing.validBytes);
    } catch (err) {
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
      throw writeFailure(path, err);
    }
  }

  /** Events confirmed or written so far. */
  get written(): number {
    return this.count;
  }

  /** Events of the stored log not (yet) confirmed by the re-run. */
  get pending(): number {
    return this.stored.length - Math.min(this.count, this.stored.length);
  }

  append(event: RecordedEvent): void {
    if (this.fd === undefined) return;
    try {
      this.write(journalLine(event));
    } catch (err) {
      throw writeFailure(this.path, err);
    }
  }

  private write(line: string): void {
    const fd = this.fd!;
    if (this.count < this.stored.length) {
      if (this.stored[this.count] === line) {
        this.count++;
        return;
      }
      // The re-run differs from the log here: keep what agreed, and write this run's events from now on.
      this.divergedAt = this.count;
      ftruncateSync(fd, this.count === 0 ? 0 : this.ends[this.count - 1]!);
      this.stored.length = this.count;
    }
    // A failure midway leaves a torn last line, which the reader drops.
    writeAll(fd, line + "\n");
    this.count++;
    this.dirty = true;
  }

  /** Flush to disk (at iteration boundaries and before exit). */
  sync(): void {
    if (this.fd === undefined || !this.dirty) return;
    try {
      fsyncSync(this.fd);
    } catch (err) {
      throw writeFailure(this.path, err);
    }
    this.dirty = false;
  }

  /**
   * Sync and close; later events are ignored. With `complete` (the run finished), stored lines the
   * re-run never produced are cut off; without it (an interrupted run) they stay, still valid.
   */
  close(options: { complete?: boolean } = {}): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    try {
      if (options.complete && this.count < this.stored.length) {
        this.divergedAt ??= this.count;
        ftruncateSync(fd, this.count === 0 ? 0 : this.ends[this.count - 1]!);
        this.stored.length = this.count;
        this.dirty = true;
      }
      this.sync();
    } catch (err) {
      throw writeFailure(this.path, err);
    } finally {
      closeSync(fd);
      this.fd = undefined;
    }
  }
}
