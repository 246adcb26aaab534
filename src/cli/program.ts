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

  /** Options of every command that calls models: data folder, concurrency, response cache, JSON output. */
  const callOptions = (cmd: Command): Command =>
    cmd
      .option("--data <dir>", "folder of benchmark data for built-in tasks (else TTS_GRAPH_DATA)")
      .option("--concurrency <n>", "most model calls in flight at once", intArg("--concurrency"))
      .option("--cache <file>", "response cache file for real models (default .tts-graph/cache.sqlite)")
      .option("--no-cache", "call the models even when a response is cached, and store nothing")
      .option("--no-probe", "skip the check, before anything runs, that every endpoint answers")
      .option("--json", "print one JSON document on stdout");

  /** Sampling of every model call; pool models' own `sampling` settings win over these. */
  const samplingOptions = (cmd: Command): Command =>
    cmd
      .option("--temperature <t>", "sampling temperature of every call (default 0.7, or what the graph was searched with)", numberArg("--temperature"))
      .option("--top-p <p>", "nucleus sampling: keep the tokens of this top probability mass (default: the server's)", numberArg("--top-p"))
      .option("--max-tokens <n>", "most tokens generated per call (default 1024, or what the graph was searched with)", intArg("--max-tokens"))
      .option("--stop <text>", "end generation at this string (repeat for up to 4)", (v: string, prev: string[] | undefined) => [...(prev ?? []), v]);

  const execOptions = (cmd: Command): Command =>
    callOptions(samplingOptions(cmd.option("--seed <n>", "seed of the sampling seeds sent to servers (and, for run, of a simulated task's world); eval's items (a simulated world's too) do not move with it", intArg("--seed"), 0)));

  execOptions(
    program
      .command("eval")
      .description("accuracy (with a confidence interval), errored items, FLOPs, latency and cache use of a graph on a task split")
      .argument("<graph>", "graph file (JSON), or a search run folder (its best graph, scored on the items the run held out)")
      .option("--task <task>", "built-in task, task file, JSONL file or simulated task (sim:math, ...); default: the run's task")
      .option("--style <style>", "for a JSONL task: math, number, choice, code, yesno or short (inferred when absent)")
      .option("--pool <pool>", "pool file or built-in pool (default: the run's pool, or sim:mixed for simulated tasks; required otherwise)")
      .addOption(new Option("--split <split>", "which split to evaluate on (all: every item of the task)").choices(["search", "validation", "test", "all"]).default("test"))
      .option("--allow-overlap", "score a run's graph on items its search used (refused otherwise)")
      .option("--limit <n>", "evaluate only the first N items of the split", intArg("--limit"))
      .option("--traces <file>", "write every item's full trace (prompts included) to this JSONL file"),
  ).action(async (file: string, opts) => (await import("./commands/eval.js")).evalCommand(file, opts, io));

  execOptions(
    program
      .command("run")
      .description("run a graph on one question: the answer, what each node did, FLOPs and latency")
      .argument("<graph>", "graph file (JSON)")
      .argument("<question>", "the question")
      .option("--task <task>", "ask in this task's format (prompts and answer extraction)")
      .option("--style <style>", "ask in this style's format: math, number, choice, code, yesno, short (default short)")
      .option("--pool <pool>", "pool file or built-in pool (default sim:mixed for simulated tasks; required otherwise)"),
  ).action(async (file: string, question: string, opts) => (await import("./commands/run.js")).runCommand(file, question, opts, io));

  callOptions(
    program
      .command("serve")
      .description("serve search runs' chosen graphs (or graph files) as models of an OpenAI-compatible API until SIGINT or SIGTERM")
      .argument("<target...>", "search run folders (served with the run's task, pool, seed and sampling, named after the folder) or graph files")
      .option("--name <id>", "model id of the target in the same position (repeat for several; default: the run folder's name, else the graph's name)", (v: string, prev: string[] = []) => [...prev, v])
      .option("--task <task>", "answer in this task's format (default: the run's, or the task a graph file records)")
      .option("--style <style>", "answer in this style's format: math, number, choice, code, yesno, short (when no task is known; default short)")
      .option("--pool <pool>", "pool file or built-in pool (default: the run's, or the pool a graph file records)")
      .option("--seed <n>", "seed of the task's splits and of the served sampling (default: the run's, else 0)", intArg("--seed"))
      .option("--temperature <t>", "sampling temperature of every call (default: the run's, else 0.7)", numberArg("--temperature"))
      .option("--max-tokens <n>", "most tokens generated per call (default: the run's, else 1024)", intArg("--max-tokens"))
      .option("--host <host>", "interface to listen on", "127.0.0.1")
      .option("--port <n>", "port to listen on (0 picks a free port, printed at start)", intArg("--port"), 8080)
      .option("--api-key <key>", "require this key (Authorization: Bearer KEY) on /v1 requests (default: $TTS_GRAPH_API_KEY; none when unset)")
      .option("--grace-ms <ms>", "on SIGINT/SIGTERM, how long requests in flight may run before they are cancelled and answered 503", intArg("--grace-ms"), 30000),
  ).action(async (targets: string[], opts) => (await import("./commands/serve.js")).serveCommand(targets, opts, io));

  const models = program.command("models").description("inspect the models of a pool");
  models
    .command("probe")
    .description("for each endpoint: reachable, usage reported (plain and streaming), whether n > 1 works, latency of a short call")
    .argument("<pool>", "pool file or built-in pool")
    .option("--timeout <ms>", "per-request timeout in ms (default 30000)", intArg("--timeout"))
    .option("--json", "print one JSON document on stdout")
    .action(async (pool: string, opts) => (await import("./commands/models.js")).probeCommand(pool, opts, io));

  program
    .command("grade")
    .description('grade {"gold": ..., "output": ...} lines (JSONL) with a task\'s answer extraction and grader')
    .requiredOption("--task <task>", "built-in task, standard setup, task file (.yaml) or JSONL file whose grader to use")
    .requiredOption("--file <pairs>", 'JSONL file of {"gold", "output"} lines (optionally "id" of a task item, or "question", "choices", "tests", "test", "entry_point")')
    .option("--data <dir>", "folder of benchmark data for built-in tasks (else TTS_GRAPH_DATA); needed only to look items up by id")
    .option("--style <style>", "style of a JSONL task file: math, number, choice, code, yesno, short (default: inferred)")
    .option("--timeout <s>", "time limit per program when grading code, in seconds (default 10)", numberArg("--timeout"))
    .option("--json", "print one JSON document on stdout")
    .action(async (opts) => (await import("./commands/grade.js")).gradeCommand(opts, io));

  const sim = program.command("sim").description("the simulated world: ground truth of graphs and the paper's insights");
  sim
    .command("truth")
    .description("expected accuracy (with its standard error), mean FLOPs and latency of a graph in a simulated world")
    .argument("<graph>", "graph file (JSON)")
    .requiredOption("--task <task>", "simulated task: sim:math, sim:mmlu, sim:humaneval or sim:PROFILE.json")
    .option("--pool <pool>", "pool whose model ids the graph uses (default: the task profile's models)")
    .option("--items <n>", "items to average over", intArg("--items"), 20000)
    .option("--seed <n>", "seed of the simulated world", intArg("--seed"), 0)
    .option("--json", "print one JSON document on stdout")
    .action(async (file: string, opts) => (await import("./commands/sim.js")).truthCommand(file, opts, io));
  sim
    .command("oracle")
    .description("the best-known graph of a simulated task, pool and budget by ground truth, within the search's own space and budget check")
    .requiredOption("--task <task>", "simulated task: sim:math, sim:mmlu, sim:humaneval or sim:PROFILE.json")
    .option("--pool <pool>", "pool file or built-in pool (default sim:llama, as search)")
    .requiredOption("--budget <n>", "per-query budget", numberArg("--budget"))
    .addOption(new Option("--budget-unit <unit>", "unit of --budget (default units)").choices(["units", "flops", "usd", "ms"]))
    .option("--output-model <model>", "fix the output node's model, as search --output-model")
    .option("--no-fuser", "no fuser role, as search --no-fuser")
    .option("--seed <n>", "seed of the evolution stage", intArg("--seed"), 0)
    .option("--evals <n>", "new graphs the evolution stage may score", intArg("--evals"), 4000)
    .option("--items <n>", "items the finalists are measured on", intArg("--items"), 20000)
    .option("--json", "print one JSON document on stdout")
    .action(async (opts) => (await import("./commands/sim.js")).oracleCommand(opts, io));
  sim
    .command("world")
    .description("print a generated simulated world (a profile: one to three model families and a task), for --task sim:FILE.json")
    .requiredOption("--seed <n>", "seed of the world", intArg("--seed"))
    .addOption(new Option("--style <style>", "task style (default: drawn from the seed)").choices(["math", "choice", "code"]))
    .action(async (opts) => (await import("./commands/sim.js")).worldCommand(opts, io));
  sim
    .command("insights")
    .description("the paper's three insights measured in the simulator: equal-budget combinations, width and depth curves, best depth per width")
    .option("--task <tasks>", "simulated task(s), comma-separated (default sim:math,sim:mmlu,sim:humaneval)")
    .option("--items <n>", "items per measured point", intArg("--items"), 4000)
    .option("--seed <n>", "seed of the simulated world", intArg("--seed"), 0)
    .option("--json", "print one JSON document on stdout")
    .action(async (opts) => (await import("./commands/sim.js")).insightsCommand(opts, io));

  const searchOptions = (cmd: Command): Command =>
    callOptions(
      samplingOptions(cmd)
        .option("--config <file>", "search config file (YAML or JSON); flags override it")
        .option("--task <task>", "task: sim:math (default), sim:mmlu, sim:humaneval, sim:PROFILE.json, a built-in task or a JSONL file")
        .option("--pool <pool>", "pool file or built-in pool (default sim:llama)")
        .option("--budget <n>", "per-query budget (default 18)", numberArg("--budget"))
        .addOption(new Option("--budget-unit <unit>", "unit of --budget (default units: FLOPs of one call of the task's unit model)").choices(["units", "flops", "usd", "ms"]))
        .option("--agent <agent>", "optimizer agent: rules (default, no LLM) or a model id (of the pool, or of --agent-url)")
        .option("--agent-url <url>", "OpenAI-compatible base URL of the --agent model when it is not in the pool")
        .option("--evals <n>", "graph-item evaluations of the whole search, probes, pretests and selection included (default 800)", intArg("--evals"))
        .option("--iterations <n>", "cap on search iterations", intArg("--iterations"))
        .option("--batch <n>", "search items per iteration (default: the optimizer's own)", intArg("--batch"))
        .option("--samples <k>", "graphs per iteration (default: the optimizer's own)", intArg("--samples"))
        .addOption(new Option("--objective <objective>", "what to maximise (default accuracy)").choices(["accuracy", "latency", "cost"]))
        .option("--latency-limit <ms>", "with --objective latency: graphs slower than this mean latency rank below every graph within it", numberArg("--latency-limit"))
        .option("--no-insights", "ablation: Agent-REINFORCE without the paper's insights")
        .option("--random-init", "ablation: Agent-REINFORCE without probes, agent initialisation and pretest")
        .option("--no-fuser", "ablation: no fuser role")
        .option("--output-model <model>", "fix the output node's model (the paper's final-decision node)")
        .addOption(new Option("--executor <kind>", "where graphs are evaluated: local (this process, default) or queue (workers pulling from --queue)").choices(["local", "queue"]))
        .option("--queue <url>", "with --executor queue: the Redis the workers pull from, e.g. redis://127.0.0.1:6379"),
    );

  searchOptions(
    program
      .command("search")
      .description("find the best collaboration graph for a task, pool and budget (Agent-REINFORCE with the rule agent by default)")
      .option("--optimizer <name>", "search method: agent-reinforce (default), reinforce, random, tpe, evolution, textgrad, maas, the ablations agent-reinforce-no-insights, agent-reinforce-random-init, agent-reinforce-no-fuser, or one registered by the config's plugins")
      .option("--seed <n>", "seed of the search (default 0)", intArg("--seed"))
      .option("--out <dir>", "run folder (default runs/<task>-<pool>-<optimizer>-b<budget>-s<seed>); must be new, empty, or given with --force")
      .option("--resume <dir>", "continue the interrupted run in this folder with its config.json (flags that change the result must match it)")
      .option("--force", "start over in a folder that holds a run or other files (removes the run's own files only)"),
  ).action(async (opts) => (await import("./commands/search.js")).searchCommand(opts, io));

  searchOptions(
    program
      .command("compare")
      .description("compare search methods over several seeds at equal search cost: mean true accuracy with spread, and the best graph found")
      .requiredOption("--optimizers <list>", "comma-separated: agent-reinforce, reinforce, random, tpe, evolution, textgrad, maas; ablations agent-reinforce-no-insights, agent-reinforce-random-init, agent-reinforce-no-fuser; or ones registered by the config's plugins")
      .requiredOption("--seeds <n>", "runs per method (seeds 0 .. N-1)", intArg("--seeds"))
      .option("--truth-items <n>", "ground-truth items per graph on simulated tasks (default 20000)", intArg("--truth-items"))
      .option("--report <file>", "also write an HTML comparison: curves per method with bands, the table with the best single model, self-consistency and the best graph found"),
  ).action(async (opts) => (await import("./commands/compare.js")).compareCommand(opts, io));

  program
    .command("report")
    .description("write a self-contained HTML report (charts, best graph, break-even, agent feedback, config) and a Markdown summary of a search run directory")
    .argument("<run-dir>", "folder written by `tts-graph search --out DIR` (finished or not)")
    .option("--out <file>", "HTML file to write (default RUN_DIR/report.html); the Markdown summary goes beside it with .md")
    .option("--json", "print one JSON document on stdout")
    .action(async (dir: string, opts) => (await import("./commands/report.js")).reportCommand(dir, opts, io));

  program
    .command("dashboard")
    .description("a local web app over the search run folders under DIR: status, live search curves, graphs with hover and export, parallel coordinates, feature importance, run comparison")
    .argument("[dir]", "folder holding run folders (default ./runs)")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--port <n>", "port to listen on (0 picks a free port, printed at start)", intArg("--port"), 8090)
    .option("--json", "print the address as one JSON document on stdout")
    .action(async (dir: string | undefined, opts) => (await import("./commands/dashboard.js")).dashboardCommand(dir, opts, io));

  program
    .command("worker")
    .description("pull evaluation jobs of `search --executor queue` runs from a Redis queue and run them, until SIGINT or SIGTERM")
    .requiredOption("--queue <url>", "the Redis the coordinators add jobs to, e.g. redis://127.0.0.1:6379")
    .option("--pool <pool>", "pool file to run the jobs with instead of the coordinator's (same model ids, this machine's endpoints)")
    .option("--concurrency <n>", "model calls (and jobs) in flight at once on this worker (default 8)", intArg("--concurrency"))
    .option("--sandbox", "run each job in a separate process (BullMQ sandboxed processors), so CPU work such as code grading never stalls the worker")
    .option("--lock-ms <ms>", "how long a job stays with a worker that stopped answering before another worker takes it (default 10000)", intArg("--lock-ms"))
    .action(async (opts) => (await import("./commands/worker.js")).workerCommand(opts, io));

  program
    .command("status")
    .description("say where a search run stands: finished, running or interrupted, evaluations done, the best graph so far, and how to continue it")
    .argument("<run-dir>", "folder written by `tts-graph search --out DIR`")
    .option("--queue <url>", "also show the queue's workers, its jobs and the run's spend (for a run with --executor queue)")
    .option("--json", "print one JSON document on stdout")
    .action(async (dir: string, opts) => (await import("./commands/status.js")).statusCommand(dir, opts, io));

  return program;
}
