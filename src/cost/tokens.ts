/** Per-task token constants used for a-priori cost. */

export interface TaskTokens {
  /** Mean tokens of the question prompt (A). */
  promptTokens: number;
  /** Mean tokens of one model output (B). */
  outputTokens: number;
  /**
   * FLOPs of one budget unit. When absent, a unit is the FLOPs of one call of the pool's smallest
   * model on the task. The paper fixes it per task (e.g. 9.710e11 on MATH).
   */
  unitFlops?: number | undefined;
  /** Where the constants came from: `paper`, `profile`, `measured`, `default`. */
  source?: string | undefined;
}
