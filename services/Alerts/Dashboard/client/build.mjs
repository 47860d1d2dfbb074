// Bundles the dashboard into one folder (the first argument): index.html plus content-hashed app-*.js and app-*.css.
// The Alerts service embeds that folder (see ../Dashboard.targets); nothing is fetched from elsewhere at run time.
import { build } from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

const out = process.argv[2];
if (!out) {
  console.error("usage: node build.mjs OUTPUT_FOLDER");
  process.exit(2);
}
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const result = await build({
  entryPoints: { app: "src/main.js" },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  entryNames: "[name]-[hash]",
  outdir: out,
  metafile: true,
  legalComments: "eof",
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
const script = outputs.find((file) => file.endsWith(".js"));
const style = outputs.find((file) => file.endsWith(".css"));
if (!script || !style) throw new Error(`expected one .js and one .css output, got ${outputs.join(", ")}`);

const page = (await readFile("src/index.html", "utf8"))
  .replace("{{script}}", `/assets/${script}`)
  .replace("{{style}}", `/assets/${style}`);
await writeFile(path.join(out, "index.html"), page);
console.log(`dashboard bundled into ${out}: ${outputs.join(", ")}, index.html`);
