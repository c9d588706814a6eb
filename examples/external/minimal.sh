#!/bin/sh
# A minimal modkit external containerizer (README: "External containerizer protocol").
# The agent runs `minimal.sh <command>`, the message as one line of JSON on stdin, and reads
# the answer as JSON on stdout; exit 0 is success. Our stderr lands in the sandbox's `stderr`.
# Each task runs as a shell command in its own session (setsid); its pid, exit code and a
# `destroyed` mark are kept in its sandbox, <MODKIT_WORK_DIRECTORY>/containers/<id>.
# JSON is read with sed: enough for the agent's compact messages (limitation: an environment
# variable value that contains ']' hides the command).
set -u
msg=$(cat)
id=$(printf '%s\n' "$msg" | sed -nE 's/.*"container_id":\{"value":"([^"]*)".*/\1/p')
dir="$MODKIT_WORK_DIRECTORY/containers/$id"
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
pid=$(cat "$dir/pid" 2>/dev/null || echo 0)

case "$1" in
version) echo '{"supported_versions": ["0.1.0"]}' ;;
launch) # task_info.command.value, unescaped (\" and \\); the directory exists already.
  cmd=$(printf '%s\n' "$msg" | sed -nE 's/.*"command":\{("environment":\{"variables":\[[^]]*\]\},)?("shell":[a-z]+,)?"value":"(([^"\\]|\\.)*)".*/\3/p' \
    | sed -e 's/\\\\/\x01/g' -e 's/\\"/"/g' -e 's/\\n/\n/g' -e 's/\x01/\\/g')
  [ -n "$cmd" ] || { echo '{"code": 2, "msg": "no command.value in task_info"}'; exit 2; }
  rm -f "$dir/exit" "$dir/destroyed"
  # A wrapper records the exit code; nothing keeps our stdout/stderr (the agent reads to EOF).
  setsid sh -c 'cd "$1" && sh -c "$2" >>stdout 2>>stderr </dev/null; echo $? >exit' \
    wrapper "$dir" "$cmd" </dev/null >/dev/null 2>&1 &
  echo $! >"$dir/pid" ;;
wait) # Blocks until the task ends; the raw wait status as waitpid(2) would give it.
  while alive "$pid" && [ ! -e "$dir/exit" ]; do sleep 0.1; done
  code=$(cat "$dir/exit" 2>/dev/null || echo "")
  if [ -z "$code" ]; then echo '{"status": 9, "killed": true, "message": "killed by destroy"}'
  elif [ "$code" -gt 128 ]; then echo "{\"status\": $((code - 128)), \"killed\": false}"
  else echo "{\"status\": $((code * 256)), \"killed\": false}"; fi ;;
destroy) # Idempotent: an unknown or ended container is fine.
  [ "$pid" -gt 0 ] && alive "$pid" && kill -9 "-$pid" 2>/dev/null
  [ -d "$dir" ] && touch "$dir/destroyed"; true ;;
usage) # The task's session: process count and resident memory.
  rss=0; n=0
  for p in $(ps -o pid= -s "$pid" 2>/dev/null); do
    n=$((n + 1)); kb=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$p/status" 2>/dev/null)
    rss=$((rss + ${kb:-0} * 1024)); done
  echo "{\"processes\": $n, \"mem_rss_bytes\": $rss}" ;;
containers) # Every launched container not destroyed yet (ended ones too: wait reports them).
  printf '{"containers": ['; sep=""
  for d in "$MODKIT_WORK_DIRECTORY"/containers/*; do
    [ -e "$d/pid" ] && [ ! -e "$d/destroyed" ] || continue
    printf '%s{"value": "%s"}' "$sep" "${d##*/}"; sep=", "; done
  echo ']}' ;;
update|recover) ;; # No limits to change; the state on disk is all there is to recover.
*) echo "{\"code\": 4, \"msg\": \"unknown command '$1'\"}"; exit 4 ;;
esac
