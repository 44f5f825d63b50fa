// Builds the unpacked extension into dist/ and zips it into safesend-gmail-<version>.zip;
// also builds build/harness.js, the content logic for the browser tests (never shipped).
import { build } from "esbuild";
import { zipSync } from "fflate";
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, "dist");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

const common = {
  bundle: true,
  format: "iife",
  target: ["chrome111"],
  legalComments: "none",
  define: { __SAFESEND_VERSION__: JSON.stringify(version) },
  logLevel: "warning",
};

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

await Promise.all([
  build({ ...common, entryPoints: [join(root, "src/content.js")], outfile: join(dist, "content.js") }),
  build({ ...common, entryPoints: [join(root, "src/background.js")], outfile: join(dist, "background.js") }),
  build({ ...common, entryPoints: [join(root, "src/options.js")], outfile: join(dist, "options.js") }),
  build({ ...common, entryPoints: [join(root, "src/harness.js")], outfile: join(root, "build/harness.js") }),
]);

// InboxSDK's page-world script must sit at the extension root for its MV3 injection.
cpSync(join(root, "node_modules/@inboxsdk/core/pageWorld.js"), join(dist, "pageWorld.js"));
cpSync(join(root, "static"), dist, { recursive: true });
const manifest = JSON.parse(readFileSync(join(root, "static/manifest.json"), "utf8"));
writeFileSync(join(dist, "manifest.json"), `${JSON.stringify({ ...manifest, version }, null, 2)}\n`);

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const entries = Object.fromEntries(files(dist).sort().map((path) => [
  relative(dist, path).split("\\").join("/"), [readFileSync(path), { mtime: new Date("2020-01-01T00:00:00Z") }],
]));
const zipName = `safesend-gmail-${version}.zip`;
mkdirSync(join(root, "build"), { recursive: true });
writeFileSync(join(root, "build", zipName), zipSync(entries, { level: 9 }));
console.log(`built ${relative(process.cwd(), dist) || "dist"}/ (${Object.keys(entries).length} files) and build/${zipName}`);
