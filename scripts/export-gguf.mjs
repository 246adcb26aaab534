#!/usr/bin/env node
// Export models trained by scripts/train-tiny.py (NAME.json + NAME.bin) to GGUF files with the
// project's own writer (src/models/gguf-writer.ts). Run `npm run build` first.
//
//   node scripts/export-gguf.mjs TRAIN_DIR OUT_DIR
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { exportTinyModel } from "tts-graph/gguf";

const [inDir, outDir] = process.argv.slice(2);
if (!inDir || !outDir) {
  console.error("usage: node scripts/export-gguf.mjs TRAIN_DIR OUT_DIR");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const manifests = readdirSync(inDir).filter((f) => f.endsWith(".json"));
if (manifests.length === 0) {
  console.error(`${inDir}: no model manifests (NAME.json) found`);
  process.exit(2);
}
for (const f of manifests) {
  const out = join(outDir, f.replace(/\.json$/, ".gguf"));
  const bytes = exportTinyModel(join(inDir, f), out);
  console.log(`${out}: ${bytes} bytes`);
}
