// The release metadata agrees with itself: one version everywhere, and the
// loader knows the platforms the packager builds.
import { readdirSync, readFileSync } from "node:fs";
import { PREBUILT_PLATFORMS } from "../ffi/load.ts";
import { VERSION } from "../ffi/version.ts";
import { assertEquals } from "@std/assert";
import { test } from "./_harness.ts";

const root = decodeURIComponent(new URL("../", import.meta.url).pathname);
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");

test("VERSION equals package.json's and deno.json's version", () => {
  assertEquals(JSON.parse(read("package.json")).version, VERSION);
  assertEquals(JSON.parse(read("deno.json")).version, VERSION);
});

test("PREBUILT_PLATFORMS lists the platforms scripts/lib/platforms.mjs builds", () => {
  const built = [...read("scripts/lib/platforms.mjs").matchAll(/^ {4}name: "([\w-]+)",$/gm)]
    .map((m) => m[1]);
  assertEquals(built, [...PREBUILT_PLATFORMS]);
});

test("the library's modules await nothing at the top level but ffi/url_package.ts", () => {
  // Node's require() refuses a module graph with a top-level await
  // (ERR_REQUIRE_ASYNC_MODULE); the npm package ships url_package.js
  // without its await (scripts/package.mjs).
  const files = ["mod.ts", "serial.ts", ...["ffi", "src"].flatMap((dir) => tsFiles(dir))];
  // A top-level statement starts in column 0 (deno fmt), a comment does not.
  const awaiting = files.filter((f) =>
    read(f).split("\n").some((line) => /^(?![\s/*]).*\bawait\b/.test(line))
  );
  assertEquals(awaiting, ["ffi/url_package.ts"]);
});

function tsFiles(dir: string): string[] {
  return readdirSync(`${root}${dir}`, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? tsFiles(`${dir}/${e.name}`)
      : e.name.endsWith(".ts")
      ? [`${dir}/${e.name}`]
      : []
  );
}
