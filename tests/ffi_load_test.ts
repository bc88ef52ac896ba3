// The loader: EVLOOP_LIB, then a clone's build/, then the platform package,
// then one error listing every place and why.
import {
  advice,
  binding,
  candidates,
  cloneLibraryPath,
  libraryPath,
  openLibrary,
  openShim,
  originOf,
  platformPackage,
  platformSpecifier,
} from "../ffi/load.ts";
import { VERSION } from "../ffi/version.ts";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { test } from "./_harness.ts";

const loadUrl = new URL("../ffi/load.ts", import.meta.url).href;

test("openLibrary() lists every place tried, why each failed, the cause and the build command", () => {
  const error = assertThrows(
    () =>
      openLibrary([
        { place: "EVLOOP_LIB", path: "/nonexistent/a/libevloop.so" },
        { place: "this clone's build", path: "/nonexistent/b/libevloop.so" },
        { place: "@evloop/linux-x64-gnu", skipped: "not installed (Cannot find package)" },
      ], advice("clone")),
    Error,
    "Cannot load the evloop shim",
  );
  assert(error.message.includes("EVLOOP_LIB: /nonexistent/a/libevloop.so: "), error.message);
  assert(error.message.includes("this clone's build: /nonexistent/b/libevloop.so"), error.message);
  assert(error.message.includes("@evloop/linux-x64-gnu: not installed"), error.message);
  assert(error.message.includes("npm run build"), error.message);
  assert(error.cause !== undefined);
});

test("advice() for an installed package or a URL import does not say npm run build", () => {
  for (const origin of ["package", "url"] as const) {
    const text = advice(origin);
    assert(!text.includes("npm run build") || platformPackage() === undefined, text);
    assert(text.includes("EVLOOP_LIB"), text);
  }
  assert(advice("url").includes(`npm:@evloop/`), advice("url"));
});

test("originOf() tells a clone, an installed package and a URL import apart", () => {
  assertEquals(originOf("file:///home/me/evloop/ffi/load.ts"), "clone");
  assertEquals(originOf("file:///app/node_modules/evloop/ffi/load.js"), "package");
  assertEquals(originOf("file:///home/me/.cache/deno/npm/reg/evloop/0.1.0/ffi/load.js"), "package");
  assertEquals(originOf("https://jsr.io/@evloop/evloop/0.1.0/ffi/load.ts"), "url");
  assertEquals(originOf(loadUrl), "clone");
});

test("platformPackage() names the four prebuilt platforms and nothing else", () => {
  assertEquals(platformPackage("linux", "x64", "glibc"), "linux-x64-gnu");
  assertEquals(platformPackage("linux", "arm64", "glibc"), "linux-arm64-gnu");
  assertEquals(platformPackage("darwin", "x64", "glibc"), "darwin-x64");
  assertEquals(platformPackage("darwin", "arm64", "glibc"), "darwin-arm64");
  assertEquals(platformPackage("linux", "x64", "musl"), undefined);
  assertEquals(platformPackage("freebsd", "x64", "glibc"), undefined);
  assertEquals(platformPackage("windows", "x64", "glibc"), undefined);
});

test("platformSpecifier() is npm's name from node_modules and an npm: specifier by URL", () => {
  assertEquals(platformSpecifier("darwin-arm64", "package"), "@evloop/darwin-arm64");
  assertEquals(platformSpecifier("darwin-arm64", "url"), `npm:@evloop/darwin-arm64@${VERSION}`);
});

test("candidates() from a clone: EVLOOP_LIB, build/, then the platform package", () => {
  const tried = [...candidates(loadUrl, () => ({ path: "/pkg/libevloop.so" }))];
  assertEquals(tried.length, 3);
  assertEquals(tried[0].place, "EVLOOP_LIB");
  assertEquals(tried[1].path, cloneLibraryPath(loadUrl));
  if (binding.env("EVLOOP_LIB")) assertEquals(tried[0].path, binding.env("EVLOOP_LIB"));
  else assertEquals(tried[1].path, libraryPath);
});

test("candidates() looks at the platform package only once the places before it failed", () => {
  const loaded: string[] = [];
  const places = candidates(loadUrl, (specifier) => {
    loaded.push(specifier);
    return { path: "/pkg/libevloop.so" };
  });
  places.next();
  places.next();
  assertEquals(loaded, []);
  places.next();
  assertEquals(loaded.length, platformPackage() === undefined ? 0 : 1);
});

test("candidates() from an http URL skips build/ and takes the npm: platform package", () => {
  const loaded: string[] = [];
  const tried = [
    ...candidates("http://127.0.0.1:1/evloop/ffi/load.ts", (specifier) => {
      loaded.push(specifier);
      return { path: "/pkg/libevloop.so" };
    }),
  ];
  assertEquals(tried[1].path, undefined);
  assert(tried[1].skipped!.includes("http://127.0.0.1:1"), tried[1].skipped);
  if (platformPackage() !== undefined) {
    assertEquals(loaded, [`npm:@evloop/${platformPackage()}@${VERSION}`]);
    assertEquals(tried[2].path, "/pkg/libevloop.so");
  }
});

test("candidates() says why the platform package is missing", () => {
  const tried = [
    ...candidates("file:///app/node_modules/evloop/ffi/load.js", () => {
      throw new Error("Cannot find package '@evloop/x'");
    }),
  ];
  assert(tried[1].skipped!.includes("installed package"), tried[1].skipped);
  if (platformPackage() !== undefined) {
    assert(tried[2].skipped!.startsWith("not installed (Cannot find package"), tried[2].skipped);
  }
});

test("candidates() from an installed package finds the platform package with require", () => {
  // What the npm package does in node_modules: a synchronous require, so
  // that the module graph has no top-level await (Node's require(esm)).
  const tried = [...candidates("file:///nonexistent/node_modules/evloop/ffi/load.js")];
  if (platformPackage() !== undefined) {
    assert(tried[2].skipped!.startsWith("not installed ("), tried[2].skipped);
    assert(tried[2].skipped!.includes(`@evloop/${platformPackage()}`), tried[2].skipped);
  }
});

test("openShim() refuses a library of another ABI version, saying to rebuild it", () => {
  const other = libraryPath.replace(/libevloop\.(so|dylib)$/, "libevloop_abi_other.$1");
  const error = assertThrows(() => openShim(other), Error, "its ABI version is 1");
  assert(error.message.includes("rebuild it"), error.message);
  assertThrows(
    () => openLibrary([{ place: "EVLOOP_LIB", path: other }], advice("clone")),
    Error,
    `EVLOOP_LIB: ${other}: its ABI version is 1`,
  );
});
