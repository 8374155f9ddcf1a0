#!/usr/bin/env bash
# Foreground supervisor for a one-node Ceph cluster + RADOS Gateway (Debian ceph 16.2 "pacific")
# serving S3 on 127.0.0.1:PORT only, for Orchard's S3 tests (logic from ../shared/tools/s3, copied
# so the tests run on a fresh machine). SIGTERM/SIGINT stops all three daemons, and so does the
# death of OWNER_PID (the test process), so a crashed or killed test never leaves Ceph running.
#
#   rgw-run.sh PORT DATA_DIR [OWNER_PID]
#
# Ports used: PORT (S3, beast frontend), PORT+1 (ceph-mon, msgr v1),
#             PORT+2 .. PORT+40 (ceph-osd messenger ports). All bound to 127.0.0.1.
# Objects live in RAM (OSD objectstore = memstore, S3_RGW_MEM_BYTES, default 1 GiB);
# DATA_DIR holds ceph.conf, the mon store, logs and pid files. Every start is a fresh cluster.
# Env: S3_ACCESS_KEY, S3_SECRET_KEY (fixed user "tester"), S3_REGION (zonegroup api_name,
#      i.e. the only LocationConstraint accepted; default eu-west-3),
#      S3_VHOST_DNS (rgw dns name for virtual-hosted style; default s3.localhost).
set -u
PORT=${1:?usage: rgw-run.sh PORT DATA_DIR}
DATA=$(realpath -m "${2:?usage: rgw-run.sh PORT DATA_DIR}")
AK=${S3_ACCESS_KEY:-AKIAIOSFODNN7EXAMPLE}
SK=${S3_SECRET_KEY:-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY}
REGION=${S3_REGION:-eu-west-3}
VHOST=${S3_VHOST_DNS:-s3.localhost}
MEM=${S3_RGW_MEM_BYTES:-1073741824}
MONPORT=$((PORT + 1))
OWNER=${3:-}

for b in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph; do
  command -v "$b" >/dev/null || { echo "rgw-run: $b missing: apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd ceph-common" >&2; exit 2; }
done

mkdir -p "$DATA"
rm -rf "$DATA/mon" "$DATA/osd" "$DATA/run" "$DATA/log" "$DATA/monmap"
mkdir -p "$DATA/mon" "$DATA/osd" "$DATA/run" "$DATA/log"
FSID=$(cat /proc/sys/kernel/random/uuid)
CONF="$DATA/ceph.conf"
cat >"$CONF" <<EOF
# written by rgw-run.sh; test fixture only (no cephx, one OSD in RAM, loopback only)
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MONPORT
public addr = 127.0.0.1
public network = 127.0.0.0/8
ms bind ipv6 = false
ms bind msgr2 = false
ms bind port min = $((PORT + 2))
ms bind port max = $((PORT + 40))
auth cluster required = none
auth service required = none
auth client required = none
run dir = $DATA/run
admin socket = $DATA/run/\$name.asok
log file = $DATA/log/\$name.log
pid file = $DATA/run/\$name.pid
mon data = $DATA/mon/\$cluster-\$id
osd data = $DATA/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = $MEM
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
mon data avail warn = 2
mon data avail crit = 1
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw dns name = $VHOST
rgw enable usage log = false
EOF
C=(-c "$CONF")
log() { echo "rgw-run: $*" >&2; }
# The ceph CLI sometimes fails right after the mon starts ("problem getting command descriptions
# from mon": it asked before it had the monmap, fsid 0000...). Retry; every command used is idempotent.
retry() {
  local i
  for i in 1 2 3 4 5 6 7 8; do "$@" && return 0; sleep 1; done
  return 1
}

PIDS=()
cleanup() {
  trap - TERM INT EXIT
  [ -n "${WATCH:-}" ] && kill "$WATCH" 2>/dev/null
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[i]}" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$p" 2>/dev/null
  done
  wait 2>/dev/null
}
trap 'cleanup; exit 0' TERM INT
trap 'cleanup' EXIT
if [ -n "$OWNER" ]; then
  SELF=$$
  ( while kill -0 "$OWNER" 2>/dev/null; do sleep 1; done; kill -TERM "$SELF" 2>/dev/null ) &
  WATCH=$!
fi

monmaptool --create --addv a "[v1:127.0.0.1:$MONPORT]" --fsid "$FSID" "$DATA/monmap" >"$DATA/log/setup.log" 2>&1 || { log "monmaptool failed"; exit 1; }
ceph-mon "${C[@]}" --mkfs -i a --monmap "$DATA/monmap" >>"$DATA/log/setup.log" 2>&1 || { log "mon mkfs failed"; exit 1; }
ceph-mon "${C[@]}" -f -i a >>"$DATA/log/mon.out" 2>&1 &
PIDS+=($!)
ok=0
for _ in $(seq 1 60); do
  timeout 10 ceph "${C[@]}" mon stat >/dev/null 2>&1 && { ok=1; break; }
  sleep 0.5
done
[ $ok = 1 ] || { log "mon did not answer; see $DATA/log"; exit 1; }
{
  retry timeout 20 ceph "${C[@]}" osd set-full-ratio 0.99
  retry timeout 20 ceph "${C[@]}" osd set-backfillfull-ratio 0.98
  retry timeout 20 ceph "${C[@]}" osd set-nearfull-ratio 0.97
} >>"$DATA/log/setup.log" 2>&1
OSDUUID=$(cat /proc/sys/kernel/random/uuid)
OSDID=$(retry timeout 20 ceph "${C[@]}" osd new "$OSDUUID" 2>>"$DATA/log/setup.log") || { log "osd new failed"; exit 1; }
mkdir -p "$DATA/osd/ceph-$OSDID"
ceph-osd "${C[@]}" -i "$OSDID" --mkfs --osd-uuid "$OSDUUID" >>"$DATA/log/setup.log" 2>&1 || { log "osd mkfs failed"; exit 1; }
# The OSD sometimes asks the mon before it has the monmap ("mon_cmd_maybe_osd_create fail:
# 'wrong fsid'", seen on a loaded machine) and then never boots: restart it when it is not up
# within 15 s.
ok=0
for try in 1 2 3 4; do
  ceph-osd "${C[@]}" -f -i "$OSDID" >>"$DATA/log/osd.out" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 30); do
    timeout 10 ceph "${C[@]}" osd stat 2>/dev/null | grep -q " 1 up" && { ok=1; break; }
    kill -0 "${PIDS[-1]}" 2>/dev/null || break
    sleep 0.5
  done
  [ $ok = 1 ] && break
  log "osd not up (try $try); restarting it"
  kill -TERM "${PIDS[-1]}" 2>/dev/null
  wait "${PIDS[-1]}" 2>/dev/null
  unset 'PIDS[-1]'
done
[ $ok = 1 ] || { log "osd did not come up; see $DATA/log"; exit 1; }
# user with FIXED keys (this also creates the default realm-less zone/zonegroup and pools)
user_ok() {
  timeout 60 radosgw-admin "${C[@]}" user create --uid=tester --display-name=tester \
    --access-key="$AK" --secret-key="$SK" ||
    timeout 60 radosgw-admin "${C[@]}" user info --uid=tester | grep -q "\"access_key\": \"$AK\""
}
retry user_ok >>"$DATA/log/setup.log" 2>&1 || { log "radosgw-admin user create failed"; exit 1; }
# region: the zonegroup's api_name is what CreateBucket's LocationConstraint must equal
retry timeout 60 radosgw-admin "${C[@]}" zonegroup get >"$DATA/zonegroup.json" 2>>"$DATA/log/setup.log" || { log "zonegroup get failed"; exit 1; }
/usr/bin/python3 - "$DATA/zonegroup.json" "$REGION" <<'PY' || { log "zonegroup edit failed"; exit 1; }
import json, sys
z = json.load(open(sys.argv[1])); z["api_name"] = sys.argv[2]
json.dump(z, open(sys.argv[1], "w"))
PY
retry timeout 60 radosgw-admin "${C[@]}" zonegroup set --infile "$DATA/zonegroup.json" >>"$DATA/log/setup.log" 2>&1 || { log "zonegroup set failed"; exit 1; }
radosgw "${C[@]}" -f -n client.rgw >>"$DATA/log/rgw.out" 2>&1 &
PIDS+=($!)
log "mon/osd/rgw pids: ${PIDS[*]}; S3 on http://127.0.0.1:$PORT region=$REGION vhost=*.$VHOST"
# exit (and stop the rest) as soon as any daemon dies
wait -n "${PIDS[@]}"
log "a daemon exited; stopping the others (logs in $DATA/log)"
exit 1
