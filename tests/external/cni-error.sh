#!/bin/sh
# `launch` fails the CNI way: a {code, msg, details} error on stdout and exit status 3.
launch() {
  echo 'setting up the network' >&2
  echo 'bridge plugin: cni0 missing' >&2
  echo '{"code": 11, "msg": "failed to set up pod network", "details": "no such device cni0"}'
  exit 3
}
. "$(dirname "$0")/common.sh"
