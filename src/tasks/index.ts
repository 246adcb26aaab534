/** Public names of the tasks layer: prompts, extraction, graders, the code sandbox, task sources and splits. */
export { renderPrompt, standardPrompt, formatQuestion } from "./prompts.js";
export { extractAnswer, extractMath, extractNumber, extractChoice, extractYesNo, extractShort, extractCode, lastBoxed } from "./extract.js";
export { mathEquivalent } from "./math/equiv.js";
export { normalizeMath } from "./math/normalize.js";
export { latexToMathjs } from "./math/latex.js";
export { gradeOutput, gradeNumber, gradeMath, gradeChoice, gradeYesNo, gradeShort, gradeCode, NUMBER_TOLERANCE } from "./grade.js";
export { buildTestProgram, codeTests, type CodeTests } from "./code.js";
export { Sandbox, defaultSandbox, type SandboxOptions, type SandboxResult, type SandboxStatus } from "./sandbox.js";
export { inferStyle, LINE_ID, type TaskFieldMap } from "./jsonl.js";
export { fileTask, readTaskFile, type FileTaskOptions } from "./file.js";
export { builtinTask, builtinTaskInfo, isBuiltinTask, BUILTIN_TASK_NAMES, DATA_ENV, type BuiltinTaskOptions } from "./builtin.js";
export { createTask, type DatasetTask, type TaskDefinition, type TaskOptions } from "./task.js";
export { splitIds, DEFAULT_SPLIT_FRACTIONS, type SplitFractions } from "./splits.js";
export { STYLE_TOKENS, estimateTokens, estimateMessageTokens, measurePromptTokens, measureTaskTokens } from "./tokens.js";
export { createArithTask, arithPrompt, extractArith, gradeArith, ARITH_TASK_ID, ARITH_MAX_REFINE, ARITH_MAX_FUSE, type ArithTaskOptions } from "./arith.js";
export * from "./types.js";
