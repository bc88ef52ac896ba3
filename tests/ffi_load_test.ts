// The loader: EVLOOP_LIB, then build/, then one error listing every path.
import { candidatePaths, defaultLibraryPath, libraryPath, openLibrary } from "../ffi/load.ts";
import { assert, assertThrows } from "@std/assert";
import { test } from "./_harness.ts";

test("openLibrary() lists every path tried, the cause and the build command", () => {
  const error = assertThrows(
    () => openLibrary(["/nonexistent/a/libevloop.so", "/nonexistent/b/libevloop.so"]),
    Error,
    "Cannot load the evloop shim",
  );
  assert(error.message.includes("/nonexistent/a/libevloop.so"), error.message);
  assert(error.message.includes("/nonexistent/b/libevloop.so"), error.message);
  assert(error.message.includes("npm run build"), error.message);
  assert(error.cause !== undefined);
});

test("candidatePaths() ends with the packaged library, which is what loaded here", () => {
  const paths = candidatePaths();
  assert(paths[paths.length - 1] === defaultLibraryPath());
  assert(paths.includes(libraryPath));
});
