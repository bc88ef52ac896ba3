#!/usr/bin/env bash
# Gate set-up: what the libcurl and libpq examples and their tests need,
# installed with apt-get when absent, so that `npm test` (run after this by
# .ci/run) never skips them in CI: PostgreSQL (server binaries for the
# throw-away cluster the libpq test starts), libpq5, libcurl4, and curl's
# headers for the C curl_multi_poll benchmark program. Without them, npm
# test prints "skipped: PostgreSQL not installed" (or libcurl) and goes on.
source "$(dirname "$0")/_common.sh"

missing=()
pg_ctl_found() {
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null
}
has_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
pg_ctl_found || missing+=(postgresql)
has_lib libpq.so.5 || missing+=(libpq5)
has_lib libcurl.so.4 || missing+=(libcurl4)
[ -f /usr/include/curl/curl.h ] || [ -f "/usr/include/$(uname -m)-linux-gnu/curl/curl.h" ] ||
  missing+=(libcurl4-openssl-dev)

[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# Fail here, not with a quiet skip later.
pg_ctl_found || { echo "evloop ci: PostgreSQL still missing" >&2; exit 1; }
has_lib libpq.so.5 || { echo "evloop ci: libpq.so.5 still missing" >&2; exit 1; }
has_lib libcurl.so.4 || { echo "evloop ci: libcurl.so.4 still missing" >&2; exit 1; }
# PostgreSQL refuses to run as root: the test runs it as this user.
if [ "$(id -u)" = 0 ] && ! id -u postgres >/dev/null 2>&1 && ! id -u nobody >/dev/null 2>&1; then
  echo "evloop ci: running as root with neither a postgres nor a nobody user" >&2
  exit 1
fi
gate_done "integrations set-up (PostgreSQL, libpq, libcurl)"
