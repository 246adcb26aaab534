/** Model ids of served graphs: the graph's name, else its file's base name, made unique. */
import { basename, extname } from "node:path";

/** The id a graph would have alone: its `name`, else the file name without its extension. */
export function graphModelName(file: string, name: string | undefined): string {
  const n = name?.trim();
  return n ? n : basename(file, extname(file));
}

/** Make names unique in order: a repeated name gets `-2`, `-3`, ... (skipping ids already taken). */
export function uniqueIds(names: readonly string[]): string[] {
  const taken = new Set(names);
  const seen = new Set<string>();
  return names.map((name) => {
    if (!seen.has(name)) {
      seen.add(name);
      return name;
    }
    let k = 2;
    while (taken.has(`${name}-${k}`) || seen.has(`${name}-${k}`)) k++;
    const id = `${name}-${k}`;
    seen.add(id);
    return id;
  });
}
