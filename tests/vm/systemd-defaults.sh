# shellcheck shell=sh disable=SC2034 # variables for the files that source it
# tests/vm/systemd-defaults.sh -- the systemd scenario's sizes (MiB), trigger,
# switches and deadlines (s): read by test-systemd.sh on the host and by
# scenario-systemd.sh in the guest, so that they are declared once.  A value
# already in the environment wins.
: "${BATCH_COLD:=96}" "${BATCH_HOT:=8}" "${BATCH_SOFT:=32}"
: "${LOCKED_MIB:=64}" "${LOCKED_SOFT:=24}"
: "${HOG_HOT:=160}" "${HOG_MAX:=64}"
: "${WEB_MIB:=16}" "${WEB_SOFT:=64}" "${WEB_OPERATOR_LOW:=100}"
: "${TRIGGER:=some 150ms 1s}"
: "${CLAMP_HIGH:=yes}"
: "${UNIT_DROPIN:=}"
: "${START_DEADLINE:=40}" "${CLAMP_DEADLINE:=60}" "${FLOOR_DEADLINE:=40}"
: "${FIGHT_ROUNDS:=5}"   # step 5f: the other writer's rounds against locked's clamp
# Their names: the host exports them and passes them into the guest.
systemd_vars="BATCH_COLD BATCH_HOT BATCH_SOFT LOCKED_MIB LOCKED_SOFT HOG_HOT HOG_MAX WEB_MIB WEB_SOFT WEB_OPERATOR_LOW TRIGGER
CLAMP_HIGH UNIT_DROPIN START_DEADLINE CLAMP_DEADLINE FLOOR_DEADLINE FIGHT_ROUNDS"
