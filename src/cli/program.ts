/**
 * Declares every command and its flags. Each command's implementation is imported lazily from
 * `commands/<name>.ts`, so `tts-graph --help` stays fast.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { VERSION } from "../version.js";
import type { Io } from "./output.js";

/** Parse a number flag; garbage is a usage error naming the flag. */
export function numberArg(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} expects a number, got "${value}"`);
    return n;
  };
}

/** Parse a non-negative integer flag. */
export function intArg(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${flag} expects a whole number, got "${value}"`);
    return n;
  };
}

export function buildProgram(io: Io): Command {
  const program = new Command("tts-graph")
    .description("Find and run the compute-optimal multi-LLM collaboration graph for a task under a fixed budget.")
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run with --help for usage)");

  const graph = program.command("graph").description("validate, cost and show collaboration graph files");
  graph
    .command("validate")
    .description("check a graph file: schema, cycles, dangling edges, unknown models, unreachable nodes")
    .argument("<graph>", "graph file (JSON)")
    .option("--pool <pool>", "pool file or built-in pool whose model ids the graph must use")
    .option("--json", "print one JSON document on stdout")
    .action(async (file: string, opts) => (await import("./commands/graph.js")).validateCommand(file, opts, io));
  graph
    .command("cost")
    .description("a-priori FLOPs per node, total, budget units (and dollars and latency when known)")
    .argument("<graph>", "graph file (JSON)")
    .option("--task <task>", "task whose token constants to use (paper:math, paper:mmlu, paper:humaneval, ...)", "paper:math")
    .option("--pool <pool>", "pool file or built-in pool", "paper")
    .option("--budget <n>", "check against this budget", numberArg("--budget"))
    .addOption(new Option("--budget-unit <unit>", "unit of --budget").choices(["units", "flops", "usd", "ms"]).default("units"))
    .option("--json", "print one JSON document on stdout")
    .action(async (file: string, opts) => (await import("./commands/graph.js")).costCommand(file, opts, io));
  graph
    .command("show")
    .description("print the graph as Mermaid (or DOT), with its levels, width, depth and canonical hash")
    .argument("<graph>", "graph file (JSON)")
    .addOption(new Option("--format <format>", "rendering").choices(["mermaid", "dot"]).default("mermaid"))
    .option("--pool <pool>", "pool file or built-in pool to check model ids against")
    .option("--json", "print one JSON document on stdout")
    .action(async (file: string, opts) => (await import("./commands/graph.js")).showCommand(file, opts, io));

  return program;
}
