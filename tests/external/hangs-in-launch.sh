#!/bin/sh
# `launch` never returns; its child sleeps too (records its pid), so the test can check that
# the whole process group was killed at the timeout.
launch() {
  sleep 1000 &
  echo $! >"$MODKIT_WORK_DIRECTORY/hung-child.pid"
  wait
}
. "$(dirname "$0")/common.sh"
