# shellcheck shell=sh
# reclaimd VM test guest, stage 2: run the scenario (host's /bin/sh, chroot).
# shellcheck source=/dev/null
. /out/.vm/env
cd /out || exit 1
set --
while IFS= read -r a; do set -- "$@" "$a"; done </out/.vm/args
echo "vm-stage2: running $VM_SCENARIO $*"
timeout -k 5 "$VM_TIMEOUT" /bin/sh "$VM_SCENARIO" "$@"
rc=$?
[ "$rc" -eq 124 ] && echo "vm-stage2: scenario timed out after $VM_TIMEOUT s"
echo "$rc" >/out/exit-code.tmp && mv /out/exit-code.tmp /out/exit-code
echo "vm-stage2: scenario exited $rc"
exit "$rc"
