#!/bin/sh
# `launch` prints 10 MB on stdout: the driver must stop reading at its bound.
launch() { head -c 10485760 /dev/zero | tr '\0' 'x'; }
. "$(dirname "$0")/common.sh"
