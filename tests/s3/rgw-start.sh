#!/usr/bin/env bash
# Start Ceph radosgw for the S3 tests: rgw-start.sh PORT DATA_DIR OWNER_PID
# Runs rgw-run.sh in its own session (setsid) in the background, prints its pid (the only line
# on stdout), waits until 127.0.0.1:PORT answers HTTP (exit 1, server stopped, if it does not
# within S3_START_TIMEOUT seconds, default 120). The server stops by itself when OWNER_PID dies;
# rgw-stop.sh PID stops it earlier. Credentials/region: S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=${1:?usage: rgw-start.sh PORT DATA_DIR OWNER_PID}
DATA=$(realpath -m "${2:?usage: rgw-start.sh PORT DATA_DIR OWNER_PID}")
OWNER=${3:?usage: rgw-start.sh PORT DATA_DIR OWNER_PID}
TIMEOUT=${S3_START_TIMEOUT:-120}
mkdir -p "$DATA"
for p in $(seq "$PORT" $((PORT + 40))); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "rgw-start: port $p is in use" >&2; exit 3
  fi
done
setsid "$HERE/rgw-run.sh" "$PORT" "$DATA" "$OWNER" >"$DATA/server.log" 2>&1 </dev/null &
PID=$!
echo "$PID"
for _ in $(seq 1 $((TIMEOUT * 4))); do
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "rgw-start: server exited; log:" >&2; tail -n 20 "$DATA/server.log" >&2; exit 1
  fi
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/" 2>/dev/null)
  case "$code" in 000 | "") ;; *) exit 0 ;; esac
  sleep 0.25
done
echo "rgw-start: no answer on 127.0.0.1:$PORT after ${TIMEOUT}s; log:" >&2
tail -n 20 "$DATA/server.log" >&2
"$HERE/rgw-stop.sh" "$PID"
exit 1
