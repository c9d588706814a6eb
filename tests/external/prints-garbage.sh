#!/bin/sh
# `launch` exits 0 but its stdout is not JSON.
launch() { echo 'Container started! {{not json'; }
. "$(dirname "$0")/common.sh"
