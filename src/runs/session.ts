/**
 * A search in a run folder, as library calls with the command line's guarantees: a new run takes a
 * folder that holds no other run (unless forced); a resumed run re-runs from the start with every
 * evaluation and agent call of its journal answered from it, which gives exactly the uninterrupted
 * run. Either holds the folder's lock while it runs, journals every event, checkpoints at iteration
 * boundaries, and at the end writes best.graph.json and then result.json. A new run that fails
 * before its first event leaves no folder behind; any other failure leaves a resumable folder.
 *
 *     const run = SearchRun.start("runs/a", config);        // or SearchRun.resume("runs/a")
 *     const result = await run.execute(buildSearch(config, parts));
 */
import { UserError } from "../errors.js";
import type { Graph } from "../graph/schema.js";
import type { SearchConfig } from "../search/config.js";
import { replayMemo } from "../search/events.js";
import { newRunStats, runSearch, type RunStats, type SearchResult, type SearchSetup } from "../search/harness.js";
import { acquireLock, createRunDir, discardNewRun, readRun, type CreateRunOptions, type RunRead } from "./dir.js";
import { journalEvaluations, type JournalRead } from "./journal.js";
import { RunRecorder, type RecorderOptions } from "./recorder.js";
import type { RunProgress } from "./tracker.js";

/** What a resumed run took from its journal. */
export interface ResumeSummary {
  replayedEvaluations: number;
  replayedAgentCalls: number;
  newEvaluations: number;
  /** Seq of the first event where the re-run differed from the journal (null when it did not). */
  divergedAt: number | null;
}

/**
 * @example
 * ```ts
 * import { buildSearch, parseSearchConfig, resolvePool, resolveProviders, resolveTask, SearchRun } from "tts-graph";
 *
 * const config = parseSearchConfig({ task: "sim:math", pool: "sim:llama", budget: 18, evals: 200 });
 * const task = resolveTask(config.task);
 * const pool = resolvePool(config.pool);
 * const run = SearchRun.start("runs/example", config, { force: true }); // later: SearchRun.resume("runs/example")
 * const result = await run.execute(buildSearch(config, { task, pool, providers: resolveProviders(pool, { task }) }));
 * console.log(result.best.hash);
 * ```
 */
export class SearchRun {
  /** What was served from the journal (kept out of the result, which must not depend on it). */
  readonly stats: RunStats = newRunStats();
  private recorder: RunRecorder | undefined;
  /**
   * How `execute` ended: `finished` (results on disk), `discarded` (a new run that recorded nothing
   * removed its folder), `unopened` (a resumed run could not open its journal: folder unchanged),
   * `unwritten` (the search finished but its results could not be written), `failed` (any other
   * error: the folder is resumable); undefined while it has not ended.
   */
  private outcome: "finished" | "discarded" | "unopened" | "unwritten" | "failed" | undefined;

  private constructor(
    readonly dir: string,
    /** The config as the run records it (config.json). */
    readonly config: SearchConfig,
    /** The journal a resumed run replays. */
    readonly journal: JournalRead | undefined,
    /** A new run: whether its folder was made here. */
    private readonly created: boolean | undefined,
    /** A resumed run: whether it had finished before. */
    readonly wasFinished: boolean,
  ) {}

  /** A new run of `config` in `dir` (written: config.json; held: the lock). */
  static start(dir: string, config: SearchConfig, options: CreateRunOptions = {}): SearchRun {
    const { created } = createRunDir(dir, config, options);
    return new SearchRun(dir, config, undefined, created, false);
  }

  /** Continue the run in `dir` (read with {@link readRun} unless given) under its lock. */
  static resume(dir: string, run: RunRead = readRun(dir)): SearchRun {
    acquireLock(dir);
    return new SearchRun(dir, run.config, run.journal, undefined, run.result !== undefined);
  }

  /** Evaluations the journal holds (0 for a new run). */
  get journalEvaluations(): number {
    return this.journal ? journalEvaluations(this.journal.events) : 0;
  }

  /**
   * Run the search into the folder; then write the best graph and the result. On an error the
   * folder is kept resumable (or removed, for a new run that recorded nothing), and the error thrown.
   */
  async execute(setup: SearchSetup, options: { onEvent?: RecorderOptions["onEvent"]; warnings?: readonly string[] } = {}): Promise<SearchResult & { warnings?: string[] }> {
    const memo = this.journal ? replayMemo(this.journal.events) : undefined;
    let recorder: RunRecorder;
    try {
      recorder = new RunRecorder(this.dir, { evalsTotal: this.config.evals, existing: this.journal, onEvent: options.onEvent });
    } catch (err) {
      // The journal could not be opened (a full disk, a read-only folder): a new run leaves nothing behind.
      if (this.created !== undefined) {
        discardNewRun(this.dir, this.created);
        this.outcome = "discarded";
      } else this.outcome = "unopened";
      throw err;
    }
    this.recorder = recorder;
    let result: SearchResult & { warnings?: string[] };
    try {
      result = await runSearch(setup, { sink: recorder, memo, stats: this.stats });
      // Warnings about the setup (e.g. outputs over the token cap) travel with the result, when there are any.
      if (options.warnings && options.warnings.length > 0) result = { ...result, warnings: [...options.warnings] };
    } catch (err) {
      if (this.created !== undefined && recorder.progress().events === 0 && err instanceof UserError) {
        // Nothing ran: leave no run folder behind for a config that cannot run.
        recorder.stop("error");
        discardNewRun(this.dir, this.created);
        this.outcome = "discarded";
      } else {
        recorder.stop(`error: ${(err as Error).message ?? String(err)}`);
        this.outcome = "failed";
      }
      throw err;
    }
    try {
      recorder.finish(result, bestGraphOf(result, this.config));
    } catch (err) {
      this.outcome = "unwritten";
      throw err;
    }
    this.outcome = "finished";
    return result;
  }

  /** Stop now (a signal): everything recorded is synced and the folder stays resumable. Safe in a signal handler. */
  stop(reason: string): void {
    this.recorder?.stop(reason);
  }

  progress(): RunProgress | undefined {
    return this.recorder?.progress();
  }

  /** True once the search has finished and its results are on disk. */
  get finished(): boolean {
    return this.outcome === "finished";
  }

  /** True when the search finished but its results could not be written (the journal holds them all). */
  get resultsUnwritten(): boolean {
    return this.outcome === "unwritten";
  }

  /** True when a resumed run could not open its journal for writing (the folder was not changed). */
  get journalUnopened(): boolean {
    return this.outcome === "unopened";
  }

  /** True when a failed new run removed its folder again. */
  get discarded(): boolean {
    return this.outcome === "discarded";
  }

  /** For a resumed run: what came from the journal and what ran anew. */
  resumeSummary(result: SearchResult): ResumeSummary | undefined {
    if (!this.journal) return undefined;
    return { replayedEvaluations: this.stats.replayedItems, replayedAgentCalls: this.stats.replayedChats, newEvaluations: result.cost.evals.total - this.stats.replayedItems, divergedAt: this.recorder?.divergedAt ?? null };
  }
}

/** best.graph.json: the chosen graph, named, with where it came from and the sampling it was searched with. */
export function bestGraphOf(result: SearchResult, config?: Pick<SearchConfig, "sampling">): Graph {
  const sampling = config?.sampling;
  return { ...result.best.graph, name: `best-${result.best.hash}`, meta: { optimizer: result.optimizer, task: result.task, pool: result.pool, budget: result.budget, seed: result.seed, validation: result.best.validation ?? null, ...(sampling ? { sampling } : {}) } };
}
