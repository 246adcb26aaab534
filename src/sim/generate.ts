/**
 * Generated simulated worlds: plausible profiles drawn from a seed, for benchmarks on worlds no
 * method was developed on. One to three model families, each two to four sizes from a ladder of
 * real open-model sizes with realistic FLOPs specs; abilities rise with log size at a per-family
 * rate; reference use, context tolerance, deference, fragility and elaboration are drawn from ranges
 * around the built-in profiles' fitted values, wide enough that the paper's insights (the best
 * combination differs by task, interior optima of width and depth, best depth shrinking with width)
 * can hold or fail. The task's style, token lengths, difficulty and wrong-answer structure are drawn
 * too. Every draw comes from one seeded stream, so a seed always gives the same profile.
 */
import { UserError } from "../errors.js";
import { Rng } from "../util/rng.js";
import { parseSimProfile, SIM_PROFILE_VERSION, type SimProfile } from "./profile.js";

export type WorldStyle = SimProfile["task"]["style"];
export const WORLD_STYLES: readonly WorldStyle[] = ["math", "choice", "code"];

/** Model sizes of open families: billions of parameters, layers, hidden size. */
const LADDER: readonly [number, number, number][] = [
  [0.5, 24, 896],
  [1, 16, 2048],
  [1.5, 28, 1536],
  [2, 26, 2304],
  [3, 28, 3072],
  [4, 36, 2560],
  [7, 28, 3584],
  [8, 32, 4096],
  [9, 42, 3584],
  [14, 48, 5120],
  [27, 46, 4608],
  [32, 64, 5120],
  [70, 80, 8192],
];

const FAMILY_NAMES = ["llama", "gemma", "qwen", "mistral", "phi", "olmo", "granite", "falcon"];

/** Uniform, log-uniform and rounding helpers over one stream. */
function draws(rng: Rng) {
  const u = (lo: number, hi: number) => lo + (hi - lo) * rng.next();
  return { rng, u, logU: (lo: number, hi: number) => Math.exp(u(Math.log(lo), Math.log(hi))), round: (x: number, d = 4) => Number(x.toFixed(d)) };
}
type Draws = ReturnType<typeof draws>;

function drawTask({ rng, u, round }: Draws, s: WorldStyle): SimProfile["task"] {
  const choices = s === "choice" ? rng.pick([4, 4, 5]) : undefined;
  return {
    style: s,
    ...(choices !== undefined ? { choices } : {}),
    items: { search: 300, validation: 300, test: 5000 },
    difficulty: { mean: round(u(-0.5, 0.5)), sd: round(u(1.2, 1.9)) },
    wrongAnswers: {
      plausible: choices !== undefined ? choices - 1 : 3 + rng.int(4),
      itemSpread: round(u(0.6, 1.4)),
      familySpread: round(u(0.8, 1.8)),
      modelSpread: round(u(0, 0.3)),
      unique: s === "choice" ? 0 : round(s === "math" ? u(0.2, 0.5) : u(0.05, 0.25)),
    },
    tokens: {
      prompt: Math.round(u(120, 300)),
      output: Math.round(s === "math" ? u(180, 420) : s === "code" ? u(90, 260) : u(100, 300)),
      promptSpread: round(u(0.2, 0.3)),
      outputSpread: round(u(0.15, 0.3)),
    },
  };
}

function drawBehaviour({ u, logU, round }: Draws, s: WorldStyle): SimProfile["behaviour"] {
  const assistantElaboration = round(u(0.2, 0.6));
  return {
    follow: { assistant: round(u(0.6, 1)), fuser: round(u(0.7, 1)) },
    overload: { verification: round(u(0.3, 1.2)), corruption: round(logU(0.05, 1.2)), copy: round(u(0.5, 0.9)) },
    consistency: round(s === "choice" ? u(0.6, 1) : s === "code" ? u(0.4, 0.9) : u(0, 0.3)),
    elaboration: { assistant: assistantElaboration, fuser: round(Math.min(assistantElaboration, u(0, 0.2))) },
  };
}

/** The families and their models: task-wide rates, then each family's offsets from them. */
function drawModels({ rng, u, logU, round }: Draws): { families: string[]; models: SimProfile["models"] } {
  const abilitySlope = u(0.4, 0.8);
  const refBase = u(0.5, 3.5);
  const refSlope = u(0, 0.5);
  const ctxBase = u(150, 450);
  const ctxPower = u(0.2, 0.35);
  const deference = u(0, 0.8);
  const fragilityBase = logU(0.0005, 0.05);
  const families = rng.shuffle(FAMILY_NAMES).slice(0, 1 + rng.int(3));
  const models: SimProfile["models"] = [];
  for (const family of families) {
    const offset = u(-0.6, 0.3);
    // At most six models in all, so a world's search space stays the size of the built-in ones.
    const count = families.length === 1 ? 2 + rng.int(3) : families.length === 2 ? 2 + rng.int(2) : 2;
    const picks = rng
      .shuffle(LADDER.map((_, i) => i))
      .slice(0, count)
      .sort((a, b) => a - b);
    for (const i of picks) {
      const [b, layers, hidden] = LADDER[i]!;
      const size = Math.log(b);
      models.push({
        id: `${family}-${b}b`,
        family,
        params: b * 1e9,
        layers,
        hidden,
        ability: round(offset + abilitySlope * size - 1.1 + 0.15 * rng.normal()),
        referenceUse: round(refBase + refSlope * Math.max(0, size) + 0.2 * rng.normal()),
        contextTokens: Math.round(ctxBase * Math.pow(b, ctxPower) * Math.exp(0.1 * rng.normal())),
        follow: round(Math.min(1, Math.pow(b, -deference))),
        fragility: round(fragilityBase * Math.pow(b, -0.2) * Math.exp(0.2 * rng.normal()), 5),
        outputScale: round(u(0.85, 1.2)),
        speed: { prefillTokensPerSec: Math.round(20000 / Math.pow(b, 0.6)), decodeTokensPerSec: Math.round(250 / Math.pow(b, 0.55)), overheadMs: b >= 30 ? 60 : 40 },
      });
    }
  }
  return { families, models };
}

/** A profile drawn from `seed` (and `style`, else drawn too); validated like any profile file. */
export function generateWorld(seed: number, style?: WorldStyle): SimProfile {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UserError(`--seed must be a whole number, got ${seed}`, { code: "invalid_seed", source: "--seed" });
  if (style !== undefined && !WORLD_STYLES.includes(style)) throw new UserError(`--style must be one of ${WORLD_STYLES.join(", ")}, got "${String(style)}"`, { code: "invalid_style", source: "--style" });
  const d = draws(new Rng(seed, "sim-world-generator"));
  const s: WorldStyle = style ?? d.rng.pick(WORLD_STYLES);
  const task = drawTask(d, s);
  const behaviour = drawBehaviour(d, s);
  const { families, models } = drawModels(d);
  const profile = {
    version: SIM_PROFILE_VERSION,
    name: `world_${seed}_${s}`,
    description: `generated world, seed ${seed}: a ${s} task, ${families.length} model famil${families.length > 1 ? "ies" : "y"} (${families.join(", ")})`,
    task,
    behaviour,
    models,
    notes: [`drawn by tts-graph sim world --seed ${seed}${style ? ` --style ${style}` : ""}`],
  };
  return parseSimProfile(profile, `generated world (seed ${seed})`);
}
