#!/usr/bin/env bash
# Stop a server started by rgw-start.sh: rgw-stop.sh PID. Acts only on a pid whose command line
# is rgw-run.sh; SIGTERM, then SIGKILL to its session (process group) after 20 s.
set -u
PID=${1:?usage: rgw-stop.sh PID}
[ -r "/proc/$PID/cmdline" ] || exit 0
case "$(tr '\0' ' ' <"/proc/$PID/cmdline")" in
  *rgw-run.sh*) ;;
  *) echo "rgw-stop: pid $PID is not rgw-run.sh; not touching it" >&2; exit 1 ;;
esac
kill -TERM "$PID"
for _ in $(seq 1 100); do
  kill -0 "$PID" 2>/dev/null || exit 0
  [ "$(awk '{print $3}' "/proc/$PID/stat" 2>/dev/null)" = Z ] && exit 0
  sleep 0.2
done
kill -KILL -- "-$PID" 2>/dev/null
exit 0
