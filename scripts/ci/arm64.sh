#!/usr/bin/env bash
# Gate: the linux-arm64-gnu packages under real runtimes. Deno and Bun for
# arm64 (their own npm platform packages, @deno/linux-arm64-glibc and
# @oven/bun-linux-aarch64, the versions in package.json) run
# tests/consumer/main.ts under qemu-aarch64 user-mode emulation, with evloop
# and @evloop/linux-arm64-gnu unpacked from dist/packages/ (npm run
# package) into a scratch node_modules.
source "$(dirname "$0")/_common.sh"
need_runtimes

[ -e /usr/bin/qemu-aarch64 ] || apt_install qemu-user
sysroot=/usr/aarch64-linux-gnu
[ -e "$sysroot/lib/ld-linux-aarch64.so.1" ] || apt_install libc6-arm64-cross
[ -e "$sysroot/lib/libgcc_s.so.1" ] || apt_install libgcc-s1-arm64-cross

[ -f dist/packages/evloop-linux-arm64-gnu-*.tgz ] || npm run package

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
deno_version="$(node -p 'require("./package.json").devDependencies.deno')"
bun_version="$(node -p 'require("./package.json").devDependencies.bun')"
(cd "$work" && npm pack --silent "@deno/linux-arm64-glibc@$deno_version" \
  "@oven/bun-linux-aarch64@$bun_version" >/dev/null &&
  mkdir deno bun && tar xzf deno-linux-arm64-glibc-*.tgz -C deno --strip-components=1 &&
  tar xzf oven-bun-linux-aarch64-*.tgz -C bun --strip-components=1)

app="$work/app"
mkdir -p "$app/node_modules/evloop" "$app/node_modules/@evloop/linux-arm64-gnu"
tar xzf dist/packages/evloop-[0-9]*.tgz -C "$app/node_modules/evloop" --strip-components=1
tar xzf dist/packages/evloop-linux-arm64-gnu-*.tgz \
  -C "$app/node_modules/@evloop/linux-arm64-gnu" --strip-components=1
echo '{ "type": "module" }' >"$app/package.json"
cp tests/consumer/main.ts "$app/"

status=0
for runtime in "deno:$work/deno/deno run --allow-ffi main.ts" "bun:$work/bun/bin/bun main.ts"; do
  name="${runtime%%:*}"
  # shellcheck disable=SC2086
  out="$(cd "$app" && NO_COLOR=1 qemu-aarch64 -L "$sysroot" ${runtime#*:} 2>&1)" || true
  # The pty (evloop/serial: el_tty_* ioctls through qemu's translation)
  # and the inotify entry point too.
  if grep -q "timer on time, read hello" <<<"$out" &&
    grep -q "serial ping at 115200 baud" <<<"$out" &&
    grep -q "inotify kinds movedFrom,movedTo" <<<"$out" &&
    grep -q "@evloop/linux-arm64-gnu/libevloop.so" <<<"$out"; then
    echo "ok $name for arm64 under qemu-aarch64 ran the program on @evloop/linux-arm64-gnu (pipe, timer, pty at 115200 baud, inotify)"
  else
    echo "$out"
    echo "FAIL $name for arm64 under qemu-aarch64"
    status=1
  fi
done
gate_done "arm64 (Deno and Bun under qemu)"
exit $status
