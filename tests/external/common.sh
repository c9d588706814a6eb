# Sourced by the faulty test programs: answers every command well, except where the
# program overrides `launch` (or `version`) before sourcing this.
msg=$(cat)
case "$1" in
version) echo '{"supported_versions": ["0.1.0"]}' ;;
launch) launch ;;
wait) echo '{"status": 0, "killed": false}' ;;
containers) echo '{"containers": []}' ;;
usage) echo '{}' ;;
destroy|update|recover) ;;
*) exit 4 ;;
esac
