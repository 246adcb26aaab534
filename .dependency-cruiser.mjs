/**
 * The layers of src/ and the direction their imports point (checked by `npm run depcheck`, part of
 * `npm test`). A folder may import its own layer's files and the layers below it, never above; two
 * folders of one layer do not import each other. So no two folders can import each other, even
 * through others. Type-only imports count: they couple modules as much as value imports.
 */
const LAYERS = [
  { name: "base", paths: ["src/errors\\.ts", "src/version\\.ts", "src/util/"] },
  { name: "graph", paths: ["src/graph/"] },
  { name: "cost", paths: ["src/cost/"] },
  { name: "tasks", paths: ["src/tasks/"] },
  { name: "models", paths: ["src/models/"] },
  // The simulator sits beside the executor: everything above reaches it only as a Provider.
  { name: "exec and sim", paths: ["src/exec/", "src/sim/"] },
  { name: "agent", paths: ["src/agent/"] },
  { name: "search", paths: ["src/search/"] },
  // Evaluations across machines: the coordinator's evaluator and the worker, over a Redis queue.
  { name: "queue", paths: ["src/queue/"] },
  { name: "runs", paths: ["src/runs/"] },
  { name: "report, serve and testing", paths: ["src/report/", "src/serve/", "src/testing/"] },
  // The one place that knows every built-in name (tasks, pools, the simulator).
  { name: "resolve", paths: ["src/resolve\\.ts"] },
  { name: "entries", paths: ["src/cli/", "src/index\\.ts", "src/gguf\\.ts"] },
];

const anyOf = (paths) => `^(${paths.join("|")})`;

/** Each layer imports nothing above it. */
const downward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.name.replace(/[^a-z]+/g, "-")}`,
  comment: `${layer.name} imports only from its own layer and below (${LAYERS.slice(0, i).map((l) => l.name).join(", ") || "nothing"})`,
  severity: "error",
  from: { path: anyOf(layer.paths) },
  to: { path: anyOf(LAYERS.slice(i + 1).flatMap((l) => l.paths)) },
}));

/** Folders that share a layer do not import each other. */
const peers = LAYERS.flatMap((layer) =>
  layer.paths.length < 2 || layer.name === "base" || layer.name === "entries"
    ? []
    : layer.paths.map((p) => ({
        name: `peers-${p.replace(/^src\//, "").replace(/[^a-z]+/g, "")}`,
        comment: `${p} does not import the other folders of its layer (${layer.name})`,
        severity: "error",
        from: { path: `^${p}` },
        to: { path: anyOf(layer.paths.filter((q) => q !== p)) },
      })),
);

export default {
  forbidden: [
    ...downward,
    ...peers,
    {
      name: "sim-through-provider",
      comment: "the simulator uses only the provider interface of models (provider, spec, pool, errors), not real providers",
      severity: "error",
      from: { path: "^src/sim/" },
      to: { path: "^src/models/", pathNot: "^src/models/(provider|spec|pool|errors)\\.ts$" },
    },
    {
      name: "cli-commands-apart",
      comment: "CLI commands share code through modules below them (src/cli/*.ts), not through each other",
      severity: "error",
      from: { path: "^src/cli/commands/([^/]+)\\.ts$" },
      to: { path: "^src/cli/commands/", pathNot: "^src/cli/commands/$1\\.ts$" },
    },
    {
      name: "cli-below-main",
      comment: "nothing imports the CLI's entry point",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^src/cli/main\\.ts$" },
    },
    {
      name: "no-folder-cycles",
      comment: "no two folders of src/ import each other, directly or through others",
      severity: "error",
      scope: "folder",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "no-module-cycles",
      comment: "no module imports itself through others",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
