#!/usr/bin/env bash
# Gate set-up: what the netlink and tun examples' test needs (`ip` from
# iproute2, `unshare` from util-linux), installed with apt-get when absent,
# so that `npm test` (run after this by .ci/run) runs them. The test itself
# still prints "skipped: ..." with the reason where the machine cannot make
# a network namespace (not root, or a container without CAP_SYS_ADMIN).
source "$(dirname "$0")/_common.sh"

missing=()
command -v ip >/dev/null || missing+=(iproute2)
command -v unshare >/dev/null || missing+=(util-linux)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
if unshare -n ip link show lo >/dev/null 2>&1; then
  echo "evloop ci: private network namespaces work: the netlink and tun examples will run"
else
  echo "evloop ci: cannot make a network namespace here: the netlink and tun examples will be skipped"
fi
gate_done "netns set-up (iproute2, util-linux)"
