/**
 * The evloop release this source belongs to: the version of the npm
 * packages `evloop` and `@evloop/<platform>` and of the JSR package.
 * tests/package_test.ts keeps it equal to package.json and deno.json.
 *
 * @module
 */

/** The evloop version, the exact version of the platform package wanted. */
export const VERSION = "0.1.0";
