// Prints what the first view of each part of the site downloads from /pkg (brotli bytes, as the
// server sends them) and fails when one is over its budget. The main module, its JS glue and the
// chunk loader are on every page; a page of a lazily loaded group (app/src/routes.rs) adds the
// group's chunk and the shared chunks it depends on, as listed in the loader that
// wasm-split-cli wrote (__wasm_split.js). Run after scripts/build-release.sh.
// Usage: node scripts/bundle-sizes.mjs <pkg dir> <main budget> <group budget> <room budget>
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const [pkg, mainBudget, groupBudget, roomBudget] = [
  process.argv[2],
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5]),
];
const brotliBytes = (file) => statSync(join(pkg, `${file}.br`)).size;
const loader = readFileSync(join(pkg, "__wasm_split.js"), "utf8");

// Each chunk is `const __chunk_N = makeLoad(() => { ... new URL("./chunk_N.wasm"`,
// bound to a name, and each group's export lists the chunk names it waits for.
const chunkFiles = new Map();
for (const [, name, file] of loader.matchAll(/(\w+)\s*=\s*\w+\(\s*\(\)\s*=>\s*\{[^}]*?new URL\("\.\/([\w.]+\.wasm)"/g)) {
  chunkFiles.set(name, file);
}
const groups = [];
for (const [, group, file, deps] of loader.matchAll(
  /__wasm_split_load_(\w+?)_\d+\s*=\s*\w+\(\s*\w+\(\s*\(\)\s*=>\s*\{[^}]*?new URL\("\.\/([\w.]+\.wasm)"[\s\S]*?\}\s*,\s*\[([^\]]*)\]/g,
)) {
  const files = [file, ...deps.split(",").map((d) => d.trim()).filter(Boolean).map((d) => chunkFiles.get(d))];
  if (files.includes(undefined)) throw new Error(`bundle-sizes: cannot resolve the chunks of ${group}`);
  groups.push({ group, files });
}
if (groups.length === 0) throw new Error("bundle-sizes: no lazily loaded groups found in __wasm_split.js");

const main = ["peerloop.wasm", "peerloop.js", "__wasm_split.js"];
const mainBytes = main.reduce((sum, f) => sum + brotliBytes(f), 0);
let over = false;
const row = (name, bytes, files, budget) => {
  const flag = bytes > budget ? `  OVER (budget ${budget})` : "";
  over ||= bytes > budget;
  console.log(`  ${name.padEnd(32)} ${String(bytes).padStart(8)} bytes ${String(files).padStart(3)} files${flag}`);
};
console.log(`first view, brotli (budgets: main ${mainBudget}, with a group ${groupBudget})`);
row("main (every page; the catalog)", mainBytes, main.length, mainBudget);
for (const { group, files } of groups) {
  const bytes = mainBytes + files.reduce((sum, f) => sum + brotliBytes(f), 0);
  row(`with ${group}`, bytes, main.length + files.length, groupBudget);
}
// The room page's live part (crates/room) is a module of its own, imported by that page once it is
// hydrated: on top of the learning group's first view, and nowhere else.
const room = ["room.js", "room_bg.wasm"];
const roomBytes = room.reduce((sum, f) => sum + brotliBytes(f), 0);
row("room page's live part (after)", roomBytes, room.length, roomBudget);
if (over) {
  console.error("bundle-sizes: a first view is over its budget");
  process.exit(1);
}
