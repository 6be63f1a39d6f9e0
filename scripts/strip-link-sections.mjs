// Drops the linker's custom sections ("linking", "reloc.*") from a WASM module, in place. The
// browser build keeps them for wasm-split-cli (.cargo/config.toml, --emit-relocs), which removes
// them from the app's modules; the room module (crates/room) is not split, and with them it was
// 14 times its code's size. Usage: node scripts/strip-link-sections.mjs <module.wasm>
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2];
const bytes = readFileSync(file);
const leb = (at) => {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
};
const kept = [bytes.subarray(0, 8)];
for (let at = 8; at < bytes.length; ) {
  const start = at;
  const id = bytes[at++];
  const [size, body] = leb(at);
  at = body + size;
  if (id === 0) {
    const [length, name] = leb(body);
    const section = bytes.subarray(name, name + length).toString();
    if (section === "linking" || section.startsWith("reloc.")) continue;
  }
  kept.push(bytes.subarray(start, at));
}
writeFileSync(file, Buffer.concat(kept));
