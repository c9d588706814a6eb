#!/bin/sh
# Speaks only a protocol version this agent does not.
if [ "$1" = version ]; then echo '{"supported_versions": ["0.0.1", "0.0.2"]}'; exit 0; fi
launch() { :; }
. "$(dirname "$0")/common.sh"
