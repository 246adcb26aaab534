/**
 * What a simulated model does on one call. This is the only behaviour code: the provider (through
 * text) and the ground-truth fast path (through numbers) both call {@link simulateCall}, so they
 * cannot drift apart.
 *
 * A call's randomness is keyed by its identity (item, model, role, and each reference's model,
 * answer and length, in order) and the sample index. Two graphs that put the same call in front of a
 * model get the same draws (common random numbers), and two calls that would send a real server the
 * same prompt differ only through their sample index, as they would there.
 *
 * The mechanism, per call, with p = logistic(ability - difficulty):
 * 1. The model makes its own attempt X: correct with probability p (the draw is, with probability
 *    `consistency`, the model's fixed draw for the item, so its samples agree), else a wrong answer: a one-off
 *    slip, or one of the item's plausible wrong answers, drawn with its family's weights (so a
 *    family repeats its mistakes more than another family does).
 * 2. Alone, X is the answer. With references, let overload = max(0, reference tokens /
 *    contextTokens - 1). With probability 1 - exp(-corruption x overload) the model loses the thread:
 *    it copies a reference at random (probability `copy`) or garbles its answer (a slip; on a
 *    multiple-choice item, a random option). Long inputs hurt, small models (small contextTokens) more.
 * 3. Otherwise it recognises a correct reference with probability
 *    logistic(ability + referenceUse - difficulty - verification x overload), sharing the draw of its
 *    own attempt (what it can solve it also recognises; referenceUse is how much further verifying
 *    reaches than solving); failing that, an
 *    assistant (which writes its own improved answer) keeps X when a reference agrees with it, while a
 *    fuser (which condenses what it is given) skips that step; failing that, it follows the plurality with
 *    probability follow[role] x the model's own follow factor x the plurality's share; else it writes X. A correct answer reached this
 *    way is still overwritten with probability 1 - exp(-fragility) (later agents talked out of a right
 *    answer, into one of their family's plausible wrong ones).
 * 4. Output length: the item's length for that answer, plus elaboration[role] x the mean reference
 *    length (writers build on what they read, so chains grow long; fusers condense).
 */
import { callLatencyMs } from "../cost/flops.js";
import { fmix32 } from "../util/rng.js";
import { MIN_OUTPUT_TOKENS } from "./answers.js";
import { CORRECT, FOREIGN_BASE, mix, NO_ANSWER, UNIQUE_BASE, unitFromKey, type SimItem, type SimWorld } from "./world.js";

export const ROLE_ASSISTANT = 0;
export const ROLE_FUSER = 1;
export type RoleCode = typeof ROLE_ASSISTANT | typeof ROLE_FUSER;

/** The references of a call, as parallel arrays (reused across calls by the fast path). */
export interface RefArrays {
  /** hashString of each reference's model id. */
  model: ArrayLike<number>;
  /** Answer code of each reference (NO_ANSWER when none could be read). */
  code: ArrayLike<number>;
  /** Tokens of each reference's text. */
  tokens: ArrayLike<number>;
}

/** What a call produced. Reused by the fast path to avoid allocation. */
export interface CallOutcome {
  code: number;
  promptTokens: number;
  completionTokens: number;
}

/**
 * Identity of a call without its sample index: what its draws are keyed by. Whether the node is the
 * graph's output is left out, so a call draws the same whether or not it ends the graph (the output
 * node of a chain of two is the second call of a chain of three).
 */
export function callIdentity(world: SimWorld, item: SimItem, model: number, role: RoleCode, n: number, refs: RefArrays): number {
  let h = mix(mix(mix(item.key, world.models[model]!.idHash), role), n);
  for (let j = 0; j < n; j++) h = mix(mix(mix(h, refs.model[j]!), refs.code[j]! >>> 0), refs.tokens[j]!);
  return h;
}

/** Deterministic base length of an answer by a model on an item (so equal answers read the same). */
export function baseTokens(world: SimWorld, item: SimItem, model: number, code: number): number {
  const m = world.models[model]!;
  const u = unitFromKey(mix(mix(item.key ^ 0x6c656e67, m.idHash), code >>> 0));
  return world.outputMean * m.outputScale * Math.pow(u / (1 - u), world.lengthPower) * world.lengthNorm;
}

// The call's draw stream. Module state instead of an object: calls are synchronous and this runs a
// million times a second.
let state = 0;
function draw(): number {
  state = (state + 0x9e3779b9) | 0;
  return (fmix32(state) + 0.5) / 4294967296;
}

/** A wrong answer drawn by a model: a one-off slip or a plausible wrong answer. */
function wrongAnswer(world: SimWorld, item: SimItem, model: number, uSlip: number, uPick: number, bits: number): number {
  if (uSlip < world.uniqueRate) return UNIQUE_BASE + (bits & 0xfffff);
  return plausibleWrong(world, item, model, uPick);
}

/** One of the item's plausible wrong answers, with the model's weights (close to its family's). */
function plausibleWrong(world: SimWorld, item: SimItem, model: number, uPick: number): number {
  const K = world.plausible;
  const off = model * K;
  for (let k = 0; k < K - 1; k++) if (uPick < item.wrongCum[off + k]!) return k + 1;
  return K;
}

/** How often code[j] occurs, when j is its first occurrence; 0 for later occurrences. */
function firstCount(code: ArrayLike<number>, n: number, j: number): number {
  const c = code[j]!;
  for (let i = 0; i < j; i++) if (code[i] === c) return 0;
  let count = 1;
  for (let i = j + 1; i < n; i++) if (code[i] === c) count++;
  return count;
}

/** True when the world can write this answer (foreign answers and "no answer" it cannot). */
export function renderable(code: number): boolean {
  return code >= 0 && code < FOREIGN_BASE;
}

/**
 * Simulate one call. `identity` is {@link callIdentity} of the same arguments; `out` receives the
 * answer code and token counts.
 */
export function simulateCall(
  world: SimWorld,
  item: SimItem,
  model: number,
  role: RoleCode,
  n: number,
  refs: RefArrays,
  identity: number,
  sampleIndex: number,
  out: CallOutcome,
): CallOutcome {
  const m = world.models[model]!;
  state = mix(mix(identity, sampleIndex), world.seedKey);
  // A fixed number of draws in a fixed order, whatever the branch: calls that differ only in their
  // parameters then share their random numbers, which keeps comparisons (and calibration) smooth.
  // With probability `consistency` the own attempt reuses the model's fixed draw for this item:
  // samples of one model agree on what it knows more than independent calls would.
  const uMix = draw();
  const uCall = draw();
  const uOwn = uMix < world.consistency ? unitFromKey(mix(item.key ^ 0x6b6e6f77, m.idHash)) : uCall;
  const uSlip = draw();
  const uPick = draw();
  const uTie = draw();
  const uFollow = draw();
  const uCorrupt = draw();
  const uPick2 = draw();
  const uLost = draw();
  const uCopy = draw();
  const uWhich = draw();
  const bits = fmix32(state ^ 0x2545f491);

  const logit = m.ability - item.difficulty;
  const p = 1 / (1 + Math.exp(-logit));
  const own = uOwn < p ? CORRECT : wrongAnswer(world, item, model, uSlip, uPick, bits);

  let code = own;
  let load = 0;
  if (n > 0) {
    let valid = 0;
    let hasCorrect = false;
    let hasOwn = false;
    let bestCount = 0;
    let ties = 0;
    for (let j = 0; j < n; j++) {
      load += refs.tokens[j]!;
      const c = refs.code[j]!;
      if (c === NO_ANSWER) continue;
      valid++;
      if (c === CORRECT) hasCorrect = true;
      if (c === own) hasOwn = true;
      const count = firstCount(refs.code, n, j);
      if (count > bestCount) {
        bestCount = count;
        ties = 1;
      } else if (count === bestCount) ties++;
    }
    // The plurality answer; ties are broken uniformly with one draw.
    let best = NO_ANSWER;
    if (valid > 0) {
      let pick = Math.floor(uTie * ties);
      for (let j = 0; j < n; j++) {
        const c = refs.code[j]!;
        if (c === NO_ANSWER || firstCount(refs.code, n, j) !== bestCount) continue;
        if (pick-- === 0) {
          best = c;
          break;
        }
      }
    }
    const overload = Math.max(0, load / m.contextTokens - 1);
    if (overload > 0 && uLost < 1 - Math.exp(-world.overloadCorruption * overload)) {
      const copied = refs.code[Math.floor(uWhich * n)]!;
      if (uCopy < world.lostCopy && renderable(copied)) code = copied;
      else if (world.choiceStyle) code = Math.floor(uPick2 * (world.plausible + 1));
      else code = UNIQUE_BASE + (fmix32(bits) & 0xfffff);
    } else {
      const verify = 1 / (1 + Math.exp(-(logit + m.referenceUse - world.overloadVerification * overload)));
      const follow = role === ROLE_FUSER ? world.followFuser : world.followAssistant;
      // Recognition shares the own attempt's draw: a model that can solve the item recognises its
      // answer, and verifying reaches referenceUse logits further than solving.
      if (hasCorrect && uOwn < verify) code = CORRECT;
      else if (hasOwn && role === ROLE_ASSISTANT) code = own;
      else if (valid > 0 && uFollow < (follow * m.follow * bestCount) / n && renderable(best)) code = best;
      else code = own;
      if (code === CORRECT && uCorrupt < m.overwrite) code = plausibleWrong(world, item, model, uPick2);
    }
  }

  let tokens = baseTokens(world, item, model, code);
  if (n > 0) tokens += (role === ROLE_FUSER ? world.elaborationFuser : world.elaborationAssistant) * (load / n);
  out.code = code;
  out.completionTokens = Math.max(MIN_OUTPUT_TOKENS, Math.round(tokens));
  out.promptTokens = item.promptTokens + load;
  return out;
}

/** Simulated latency of a call from the model's prefill and decode speeds. */
export function callLatency(world: SimWorld, model: number, promptTokens: number, completionTokens: number): number {
  return callLatencyMs(world.models[model]!.speed, promptTokens, completionTokens);
}
