/**
 * The event sink that keeps a run folder: journals every event, follows the run's progress, and at
 * each iteration boundary syncs the journal and writes a checkpoint. At the end it writes
 * best.graph.json and then result.json; when stopped (signal or error) it syncs what it has and
 * leaves a checkpoint saying so, and the folder stays resumable.
 */
import { join } from "node:path";
import type { Graph } from "../graph/schema.js";
import type { EventSink, RecordedEvent } from "../search/events.js";
import type { SearchResult } from "../search/harness.js";
import { writeJsonAtomic } from "../util/files.js";
import { checkpointOf, writeCheckpoint, type Checkpoint } from "./checkpoint.js";
import { releaseLock, RUN_FILES } from "./dir.js";
import { JournalWriter, type JournalRead } from "./journal.js";
import { isBoundary, RunTracker, type RunProgress } from "./tracker.js";

export interface RecorderOptions {
  /** Total evaluations of the run (for checkpoints). */
  evalsTotal: number;
  /** The journal as read before a resume: the re-run's events are checked against it. */
  existing?: JournalRead | undefined;
  /** Called after each event is recorded, with the progress it leads to. */
  onEvent?: ((event: RecordedEvent, progress: RunProgress, boundary: boolean) => void) | undefined;
}

export class RunRecorder implements EventSink {
  private readonly journal: JournalWriter;
  private readonly tracker = new RunTracker();
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly options: RecorderOptions,
  ) {
    this.journal = new JournalWriter(join(dir, RUN_FILES.events), { existing: options.existing });
  }

  onEvent(event: RecordedEvent): Promise<void> | void {
    if (this.closed) return;
    this.journal.append(event);
    this.tracker.onEvent(event);
    const boundary = isBoundary(event);
    // While a resume is still confirming the stored log, the checkpoint on disk is already further on.
    if (boundary && this.journal.pending === 0) {
      this.journal.sync();
      this.writeCheckpoint("running");
    }
    this.options.onEvent?.(event, this.tracker.snapshot(), boundary);
    // A search on fast models can run for long in promise continuations alone, which never let a
    // signal handler run; a turn of the event loop at each boundary lets SIGINT and SIGTERM in.
    if (boundary) return new Promise((resolve) => setImmediate(resolve));
  }

  progress(): RunProgress {
    return this.tracker.snapshot();
  }

  /** Events of the stored log the re-run has not reached yet (0 once a resume has caught up). */
  get replaying(): boolean {
    return this.journal.pending > 0;
  }

  /** Seq of the first event where a resumed run differed from its log, if it did. */
  get divergedAt(): number | undefined {
    return this.journal.divergedAt;
  }

  private writeCheckpoint(state: Checkpoint["state"], stoppedBy?: string): void {
    writeCheckpoint(join(this.dir, RUN_FILES.checkpoint), checkpointOf(this.tracker.snapshot(), this.options.evalsTotal, state, stoppedBy));
  }

  /** The run finished: close the journal, then write the best graph and, last, the result. */
  finish(result: SearchResult, bestGraph: Graph): void {
    if (this.closed) return;
    this.closed = true;
    this.journal.close({ complete: true });
    writeJsonAtomic(join(this.dir, RUN_FILES.best), bestGraph);
    writeJsonAtomic(join(this.dir, RUN_FILES.result), JSON.parse(JSON.stringify(result, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v))));
    this.writeCheckpoint("finished");
    releaseLock(this.dir);
  }

  /**
   * The run stops before its end (a signal or an error): everything recorded is synced, a checkpoint
   * says why, and later events are ignored. Safe to call from a signal handler: every write is
   * synchronous, so none is ever half done when it runs.
   */
  stop(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    // Stopping follows a failure, often a failed write (a full or read-only disk): what cannot be
    // written now is not needed, since the journal as it stands is what a resume reads.
    try {
      this.journal.close();
      if (this.journal.pending === 0) this.writeCheckpoint("stopped", reason);
    } catch {
      // The error that stopped the run is the one to report.
    }
    releaseLock(this.dir);
  }
}
