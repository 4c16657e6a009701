#!/usr/bin/env bash
# bench/read: client cost of one GET, for each transport and security setting the simulator
# offers, one command:
#   bench/read/run.sh [COUNT]          (default 20000 GETs per setting)
# For each setting: starts `dlmsgw simulate` on a free port, runs bench_read against it, prints
# the client's figures (CPU, system calls and heap allocations per GET) and the simulator's CPU per
# GET (from /proc/<pid>/schedstat), stops it.
# Environment: BUILD (default build/release), BENCH_READ (default $BUILD/bench/bench_read: another
# build of the client to compare, against the same simulator).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build/release}
count=${1:-20000}
dlmsgw=$build/src/app/dlmsgw
bench=${BENCH_READ:-$build/bench/bench_read}
for binary in "$dlmsgw" "$bench"; do
  [[ -x $binary ]] || { echo "$binary: not built (cmake --build --preset release --target dlmsgw bench_read)" >&2; exit 1; }
done

# CPU time of the simulator's (only) thread in ns, exact: /proc/<pid>/schedstat's first field
# (/proc/<pid>/stat counts in 10 ms ticks).
cpu_ns() { read -r ns _ < "/proc/$1/schedstat"; echo "$ns"; }

work=$(mktemp -d)
sim_pid=""
# SIGINT, then SIGKILL after 5 s: a background job of a non-interactive shell starts with SIGINT
# ignored, so a simulator stopped before it installed its handler would never end.
stop_simulator() {
  kill -INT "$1" 2>/dev/null || true
  local state
  for _ in $(seq 100); do
    state=$(sed -n 's/^[0-9]* ([^)]*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null || true)
    [[ -z $state || $state == Z ]] && break  # gone, or exited and not yet waited for
    sleep 0.05
  done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  if [[ -n $sim_pid ]]; then stop_simulator "$sim_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT

# label | simulate flags | bench_read flags (the connection flags of `dlmsgw read`)
settings=(
  "hdlc-lls|--profile microstar|--transport hdlc --client 1 --auth low --password 22222222 1-1:32.7.0"
  "hdlc-none|--profile generic --transport hdlc|--transport hdlc --client 16 --auth none 1-0:32.7.0"
  "hdlc-hls-gmac-auth-enc|--profile generic --transport hdlc|--transport hdlc --client 1 --auth high-gmac --security auth-enc --system-title 4D4D4D0000000001 --block-key 000102030405060708090A0B0C0D0E0F --auth-key D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF 1-0:32.7.0"
  "wrapper-none|--profile generic|--transport wrapper --client 16 --auth none 1-0:32.7.0"
  "wrapper-lls|--profile generic|--transport wrapper --client 32 --auth low --password 12345678 1-0:32.7.0"
  "wrapper-hls-gmac-auth-enc|--profile generic|--transport wrapper --client 1 --auth high-gmac --security auth-enc --system-title 4D4D4D0000000001 --block-key 000102030405060708090A0B0C0D0E0F --auth-key D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF 1-0:32.7.0"
)

echo "bench/read: $count GETs per setting; $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
for setting in "${settings[@]}"; do
  IFS='|' read -r label sim_flags client_flags <<<"$setting"
  # One file per setting: the previous simulator's ready line must not be read for this one's (the
  # shell opens the file in the child, possibly after the loop below first reads it).
  sim_out=$work/$label.out
  : >"$sim_out"
  # shellcheck disable=SC2086
  "$dlmsgw" simulate --json --base-port 0 $sim_flags >"$sim_out" 2>&1 &
  sim_pid=$!
  # The ready line may arrive in more than one write: wait until its first port is complete.
  port=""
  for _ in $(seq 200); do
    port=$(sed -n '1s/.*"ports":\[\([0-9][0-9]*\)[],].*/\1/p' "$sim_out" 2>/dev/null || true)
    [[ -n $port ]] && break
    sleep 0.05
  done
  [[ -n $port ]] || { echo "$label: simulator did not start: $(cat "$sim_out")" >&2; exit 1; }
  before=$(cpu_ns "$sim_pid")
  # shellcheck disable=SC2086
  line=$("$bench" --host 127.0.0.1 --port "$port" --count "$count" --label "$label" $client_flags)
  after=$(cpu_ns "$sim_pid")
  stop_simulator "$sim_pid"; sim_pid=""
  python3 - "$line" "$((after - before))" "$count" <<'EOF'
import json, sys
r = json.loads(sys.argv[1])
server_us = int(sys.argv[2]) / 1000 / int(sys.argv[3])
ins = r["instructions_per_get"]
sc = r.get("syscalls_per_get")
print(f"{r['label']:<28} {r['wall_us_per_get']:7.1f} us wall/GET  {r['cpu_us_per_get']:6.1f} us client CPU/GET "
      f"(user {r['user_us_per_get']:.1f}, sys {r['sys_us_per_get']:.1f})  "
      f"{'%.2f syscalls/GET' % sc if sc is not None else 'syscalls n/a'}  "
      f"{r['allocations_per_get']:.1f} allocations/GET  "
      f"{'%.0f instructions' % ins if ins else 'instructions n/a'}  simulator {server_us:.1f} us CPU/GET")
if sc is not None:
    by_name = ", ".join(f"{name} {count:.2f}" for name, count in
                        sorted(r["syscalls_per_get_by_name"].items(), key=lambda item: -item[1]))
    print(f"{'':<28} syscalls: {by_name}")
else:
    print(f"{'':<28} ({r.get('syscalls_unavailable', '')})")
if not ins:
    unavailable = r.get("instructions_unavailable", "")
    print(f"{'':<28} ({unavailable})")
EOF
done
