#!/usr/bin/env bash
# Drives the v1 scheduler API with curl only, the way Mesos's "Scheduler HTTP API" page shows:
# SUBSCRIBE in the background (the RecordIO stream goes to a file), then ACCEPT (LAUNCH),
# ACKNOWLEDGE, DECLINE and KILL, each answered 202. python3 only reads ids out of the stream.
#
# Usage: tests/clients/curl.sh HOST:PORT      (exits 0 when every step worked)
set -euo pipefail
master=${1:?usage: curl.sh HOST:PORT}
api="http://$master/api/v1/scheduler"
dir=$(mktemp -d)
sub_pid=
cleanup() {
  [ -n "$sub_pid" ] && kill "$sub_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

fail() {
  echo "curl.sh: FAIL: $*" >&2
  echo "--- stream so far:" >&2
  cat "$dir/stream" >&2 || true
  exit 1
}

# Prints the JSON of every record of the RecordIO stream file, one per line.
records() {
  python3 - "$dir/stream" <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
while data:
    nl = data.find(b"\n")
    if nl < 0:
        break
    n = int(data[:nl])
    if len(data) < nl + 1 + n:
        break
    print(json.dumps(json.loads(data[nl + 1:nl + 1 + n])))
    data = data[nl + 1 + n:]
PY
}

# wait_for DESCRIPTION PYTHON-EXPR: waits (30 s) for a record matching EXPR (over `e`) and
# prints it.
wait_for() {
  local what=$1 expr=$2
  for _ in $(seq 300); do
    local hit
    hit=$(records | python3 -c "
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if $expr:
        print(line.strip()); break")
    if [ -n "$hit" ]; then
      echo "$hit"
      return 0
    fi
    sleep 0.1
  done
  fail "no $what within 30 s"
}

field() { python3 -c "import json, sys; e = json.loads(sys.argv[1]); print($2)" "$1"; }

# post NAME JSON: one call with the stream id; checks 202.
post() {
  local name=$1 body=$2 code
  code=$(curl -sS -o "$dir/answer" -w '%{http_code}' -X POST "$api" \
    -H "Content-Type: application/json" -H "Mesos-Stream-Id: $stream_id" -d "$body")
  [ "$code" = 202 ] || fail "$name answered $code: $(cat "$dir/answer")"
  echo "curl.sh: $name -> 202"
}

# 1. SUBSCRIBE, in the background: headers and the stream go to files.
curl -sS -N -D "$dir/headers" -o "$dir/stream" -X POST "$api" \
  -H "Content-Type: application/json" -H "Accept: application/json" \
  -d '{"type": "SUBSCRIBE", "subscribe": {"framework_info": {"user": "root", "name": "Example HTTP Framework (curl)"}}}' &
sub_pid=$!

subscribed=$(wait_for SUBSCRIBED 'e["type"] == "SUBSCRIBED"')
stream_id=$(sed -n 's/^[Mm]esos-[Ss]tream-[Ii]d: *//p' "$dir/headers" | tr -d '\r')
[ -n "$stream_id" ] || fail "no Mesos-Stream-Id header in: $(cat "$dir/headers")"
framework_id=$(field "$subscribed" 'e["subscribed"]["framework_id"]["value"]')
echo "curl.sh: SUBSCRIBED framework $framework_id, stream $stream_id"

# 2. The first offer: ACCEPT it with a LAUNCH of one short task.
offer=$(wait_for OFFERS 'e["type"] == "OFFERS"')
offer_id=$(field "$offer" 'e["offers"]["offers"][0]["id"]["value"]')
agent_id=$(field "$offer" 'e["offers"]["offers"][0]["agent_id"]["value"]')
echo "curl.sh: offer $offer_id from agent $agent_id"
post ACCEPT '{"framework_id": {"value": "'"$framework_id"'"}, "type": "ACCEPT", "accept": {
  "offer_ids": [{"value": "'"$offer_id"'"}],
  "operations": [{"type": "LAUNCH", "launch": {"task_infos": [{
    "name": "curl-echo", "task_id": {"value": "curl-echo"}, "agent_id": {"value": "'"$agent_id"'"},
    "command": {"value": "echo hello from curl"},
    "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
                  {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}]}]}}],
  "filters": {"refuse_seconds": 0}}}'

# 3. Each UPDATE of the task is acknowledged with its uuid, until TASK_FINISHED.
ack() {
  local update=$1 uuid
  uuid=$(field "$update" 'e["update"]["status"]["uuid"]')
  post "ACKNOWLEDGE ($(field "$update" 'e["update"]["status"]["state"]'))" '{"framework_id": {"value": "'"$framework_id"'"}, "type": "ACKNOWLEDGE", "acknowledge": {
    "agent_id": {"value": "'"$agent_id"'"}, "task_id": {"value": "'"$2"'"}, "uuid": "'"$uuid"'"}}'
}
running=$(wait_for "TASK_RUNNING of curl-echo" 'e["type"] == "UPDATE" and e["update"]["status"]["task_id"]["value"] == "curl-echo" and e["update"]["status"]["state"] == "TASK_RUNNING"')
ack "$running" curl-echo
finished=$(wait_for "TASK_FINISHED of curl-echo" 'e["type"] == "UPDATE" and e["update"]["status"]["task_id"]["value"] == "curl-echo" and e["update"]["status"]["state"] == "TASK_FINISHED"')
ack "$finished" curl-echo

# 4. A later offer is DECLINEd (with a short filter so the next one comes back).
second=$(wait_for "a second offer" 'e["type"] == "OFFERS" and e["offers"]["offers"][0]["id"]["value"] != "'"$offer_id"'"')
decline_id=$(field "$second" 'e["offers"]["offers"][0]["id"]["value"]')
post DECLINE '{"framework_id": {"value": "'"$framework_id"'"}, "type": "DECLINE", "decline": {
  "offer_ids": [{"value": "'"$decline_id"'"}], "filters": {"refuse_seconds": 0.5}}}'

# 5. A long task on the next offer, then KILL: it ends TASK_KILLED.
third=$(wait_for "a third offer" 'e["type"] == "OFFERS" and e["offers"]["offers"][0]["id"]["value"] not in ("'"$offer_id"'", "'"$decline_id"'")')
sleep_offer=$(field "$third" 'e["offers"]["offers"][0]["id"]["value"]')
post ACCEPT '{"framework_id": {"value": "'"$framework_id"'"}, "type": "ACCEPT", "accept": {
  "offer_ids": [{"value": "'"$sleep_offer"'"}],
  "operations": [{"type": "LAUNCH", "launch": {"task_infos": [{
    "name": "curl-sleep", "task_id": {"value": "curl-sleep"}, "agent_id": {"value": "'"$agent_id"'"},
    "command": {"value": "sleep 300"},
    "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
                  {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}]}]}}]}}'
running=$(wait_for "TASK_RUNNING of curl-sleep" 'e["type"] == "UPDATE" and e["update"]["status"]["task_id"]["value"] == "curl-sleep" and e["update"]["status"]["state"] == "TASK_RUNNING"')
ack "$running" curl-sleep
post KILL '{"framework_id": {"value": "'"$framework_id"'"}, "type": "KILL", "kill": {
  "task_id": {"value": "curl-sleep"}, "agent_id": {"value": "'"$agent_id"'"}}}'
killed=$(wait_for "TASK_KILLED of curl-sleep" 'e["type"] == "UPDATE" and e["update"]["status"]["task_id"]["value"] == "curl-sleep" and e["update"]["status"]["state"] == "TASK_KILLED"')
ack "$killed" curl-sleep

# 6. TEARDOWN ends the framework and its stream.
post TEARDOWN '{"framework_id": {"value": "'"$framework_id"'"}, "type": "TEARDOWN"}'
echo "curl.sh: OK"
