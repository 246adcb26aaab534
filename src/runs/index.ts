/** Run folders: config, event journal, checkpoints, result; reading them back; resuming. */
export { RUN_FILES, RESUME_FREE_FIELDS, resumeCommandFor, configDifferences, describeDifferences, inspectRunDir, loadRunConfig, createRunDir, removeRunFiles, discardNewRun, acquireLock, releaseLock, lockHolder, readRun, type ConfigDifference, type RunDirState, type CreateRunOptions, type RunRead } from "./dir.js";
export { readJournal, parseJournal, journalLine, journalEvaluations, JournalWriter, type JournalRead, type JournalWriterOptions } from "./journal.js";
export { CheckpointSchema, checkpointOf, readCheckpoint, writeCheckpoint, type Checkpoint } from "./checkpoint.js";
export { RunTracker, isBoundary, type RunProgress, type BestSoFar } from "./tracker.js";
export { RunRecorder, type RecorderOptions } from "./recorder.js";
export { trapStopSignals, SIGNAL_EXIT_CODES, type StopSignal } from "./signals.js";
export { readRunStatus, runStatus, type RunStatus } from "./status.js";
export { SearchRun, bestGraphOf, type ResumeSummary } from "./session.js";
