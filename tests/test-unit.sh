#!/bin/bash
# The systemd unit: `systemd-analyze verify` passes, and its exposure score
# does not get worse than the one recorded in the README.
set -u
: "${abs_top_builddir:?set by make check}" "${RECLAIMD:?set by make check}"

# The exposure `systemd-analyze security` reported when the unit was last hardened.
RECORDED_EXPOSURE=1.0

if ! command -v systemd-analyze >/dev/null; then
        echo "SKIP: systemd-analyze not found (apt-get install systemd)"
        [ "${CI:-}" = true ] && exit 99
        exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Verify the unit as built, pointing ExecStart and ExecStopPost at the freshly built daemon.
sed -e "s#^ExecStart=[^ ]*#ExecStart=$RECLAIMD#" -e "s#^ExecStopPost=[^ ]*#ExecStopPost=$RECLAIMD#" "$abs_top_builddir/systemd/reclaimd.service" \
        >"$tmp/reclaimd.service"
if ! systemd-analyze verify --man=no "$tmp/reclaimd.service" >"$tmp/verify" 2>&1; then
        echo "FAIL: systemd-analyze verify:"
        cat "$tmp/verify"
        exit 1
fi
# Under CI there may be no running systemd: --offline reads the file alone.
systemd-analyze security --offline=yes "$tmp/reclaimd.service" >"$tmp/security" 2>&1
score=$(sed -n 's/.*Overall exposure level for reclaimd.service: \([0-9.]*\).*/\1/p' "$tmp/security")
if [ -z "$score" ]; then
        echo "FAIL: no exposure score from systemd-analyze security:"
        cat "$tmp/security"
        exit 1
fi
echo "exposure $score (recorded: $RECORDED_EXPOSURE)"
if awk -v s="$score" -v r="$RECORDED_EXPOSURE" 'BEGIN { exit !(s > r) }'; then
        echo "FAIL: the unit's exposure got worse: $score > $RECORDED_EXPOSURE"
        grep '✗' "$tmp/security"
        exit 1
fi
