// The release metadata agrees with itself: one version everywhere, and the
// loader knows the platforms the packager builds.
import { readFileSync } from "node:fs";
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
