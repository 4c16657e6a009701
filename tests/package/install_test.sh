#!/usr/bin/env bash
# The dlmsgw Debian package, end to end: build it with CPack, install it, and run the installed
# binary with the installed configuration the way the installed systemd unit would, then purge it.
#
#   as root, with dpkg, on a machine without dlmsgw:  dpkg -i, check postinst (the dlmsgw user,
#       /var/lib/dlmsgw owned by it, /etc/dlmsgw readable by it only, the unit enabled), run as
#       that user, dpkg --purge and check that nothing is left.
#   otherwise:  dpkg-deb -x into a temporary root and run from there as the current user; the
#       checks of postinst are skipped and the test reports SKIP (exit 77) after everything else
#       passed. A machine where dlmsgw is installed (or a dlmsgw user exists) is never touched.
#
# The run: ExecStart from the installed unit, with -c pointed at a copy of /etc/dlmsgw whose broker
# is a private mosquitto and whose meter is a `dlmsgw simulate` meter (both on free 127.0.0.1
# ports); NOTIFY_SOCKET is a datagram socket this script reads (socat), WATCHDOG_USEC 2 s. Checked:
# READY=1, repeated WATCHDOG=1, telemetry at the broker, no WATCHDOG=1 while the process is
# stopped (SIGSTOP), STOPPING=1 and exit 0 on SIGTERM.
#
# Usage: install_test.sh <build directory>   (DLMSGW_PACKAGE_TEST_EXTRACT=1: extract even as root)
set -euo pipefail

build_dir=$(cd "${1:?usage: install_test.sh <build directory>}" && pwd)
skip_status=77
watchdog_usec=2000000  # pings every second

work=$(mktemp -d /tmp/dlmsgw-package-XXXXXX)
chmod 0755 "$work"  # the dlmsgw user reads the configuration copy in it
pids=()
installed=0

log() { printf 'package test: %s\n' "$*"; }

show_logs() {
  local file
  for file in dlmsgw.log notify.log simulate.err mosquitto.log cpack.log dpkg.log; do
    if [[ -s $work/$file ]]; then
      echo "---- $file (last lines)"
      tail -n 30 "$work/$file" | tr '\0' '\n'
      echo
    fi
  done
}

fail() {
  echo "package test: FAIL: $*" >&2
  show_logs >&2
  exit 1
}

# True while process $1 runs (an exited child is a zombie until waited for: kill -0 says yes).
alive() {
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
  [[ -n $state && $state != Z ]]
}

exited() { ! alive "$1"; }

cleanup() {
  local status=$? i pid
  trap - EXIT
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if ((installed)); then
    dpkg --purge dlmsgw >>"$work/dpkg.log" 2>&1 || echo "package test: dpkg --purge dlmsgw failed" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# Waits up to $1 seconds for command $2... to succeed.
wait_for() {
  local seconds=$1
  shift
  for _ in $(seq $((seconds * 10))); do
    if "$@"; then return 0; fi
    sleep 0.1
  done
  return 1
}

notify_count() { grep -o "$1" "$work/notify.log" 2>/dev/null | wc -l; }
has_notify() { (($(notify_count "$1") >= ${2:-1})); }

for tool in cpack dpkg-deb socat mosquitto mosquitto_sub; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] ||
    fail "$tool is missing (scripts/setup installs it)"
done
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)

log "building dlmsgw and the package (cpack -G DEB)"
cmake --build "$build_dir" --target dlmsgw >"$work/build.log" 2>&1 || {
  tail -n 30 "$work/build.log" >&2
  fail "cmake --build $build_dir --target dlmsgw failed"
}
(cd "$work" && cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$work/cpack") \
  >"$work/cpack.log" 2>&1 || fail "cpack -G DEB failed"
debs=("$work"/cpack/dlmsgw_*.deb)
[[ -f ${debs[0]} && ${#debs[@]} -eq 1 ]] || fail "expected one dlmsgw_*.deb in $work/cpack"
deb=${debs[0]}
log "built $(basename "$deb")"

# The control data: dependencies found by dpkg-shlibdeps, the conffiles, the maintainer scripts.
control=$(dpkg-deb --field "$deb")
depends=$(sed -n 's/^Depends: //p' <<<"$control")
for library in libc6 libssl3 libmosquitto1 libsqlite3 libsystemd0; do
  [[ $depends == *"$library"* ]] || fail "Depends does not name $library: $depends"
done
conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)
for file in /etc/dlmsgw/tb_gateway.yaml /etc/dlmsgw/dlms_connector.json; do
  grep -qx "$file" <<<"$conffiles" || fail "$file is not a conffile: $conffiles"
done
for script in postinst prerm postrm; do
  dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -x "./$script" >/dev/null ||
    fail "no $script in the package"
done

# Where to install: the real system, or a temporary root.
mode=root
reason=
status=$(dpkg-query -W -f='${db:Status-Status}' dlmsgw 2>/dev/null || true)
if [[ -n ${DLMSGW_PACKAGE_TEST_EXTRACT:-} ]]; then
  reason="DLMSGW_PACKAGE_TEST_EXTRACT is set"
elif ((EUID != 0)); then
  reason="not running as root"
elif ! command -v dpkg >/dev/null; then
  reason="no dpkg on this machine"
elif [[ -n $status && $status != not-installed ]]; then
  reason="dlmsgw is already on this machine (dpkg status '$status'): not touching it"
elif getent passwd dlmsgw >/dev/null || getent group dlmsgw >/dev/null; then
  reason="a dlmsgw user or group exists already: not touching it"
elif [[ -e /etc/dlmsgw || -e /var/lib/dlmsgw || -e /lib/systemd/system/dlmsgw.service ]]; then
  reason="/etc/dlmsgw, /var/lib/dlmsgw or the unit exists already: not touching them"
fi
if [[ -n $reason ]]; then
  mode=extract
  root=$work/root
  log "$reason: extracting the package to $root instead of installing it"
  dpkg-deb -x "$deb" "$root"
else
  root=
  log "installing with dpkg -i"
  installed=1
  dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || fail "dpkg -i failed"
fi

# The layout.
[[ -x $root/usr/bin/dlmsgw ]] || fail "no executable /usr/bin/dlmsgw"
for file in /etc/dlmsgw/tb_gateway.yaml /etc/dlmsgw/dlms_connector.json \
  /lib/systemd/system/dlmsgw.service /usr/share/doc/dlmsgw/install.md; do
  [[ -f $root$file ]] || fail "no $file"
done
[[ -d $root/var/lib/dlmsgw ]] || fail "no /var/lib/dlmsgw"
"$root/usr/bin/dlmsgw" --version >/dev/null || fail "the installed dlmsgw --version failed"
unit=$root/lib/systemd/system/dlmsgw.service
for setting in Type=notify WatchdogSec= User=dlmsgw StateDirectory=dlmsgw RestartForceExitStatus=75 \
  'ExecReload=/bin/kill -HUP $MAINPID' PrivateUsers=yes PrivateMounts=yes UMask=0077 MemoryMax= \
  TasksMax= IPAddressDeny=any IPAddressAllow=localhost; do
  grep -q "^$setting" "$unit" || fail "the unit has no $setting"
done

run_as=()
if [[ $mode == root ]]; then
  getent passwd dlmsgw >/dev/null || fail "postinst did not create the user dlmsgw"
  getent group dlmsgw >/dev/null || fail "postinst did not create the group dlmsgw"
  [[ $(stat -c %U:%G /var/lib/dlmsgw) == dlmsgw:dlmsgw ]] ||
    fail "/var/lib/dlmsgw is owned by $(stat -c %U:%G /var/lib/dlmsgw), not dlmsgw"
  [[ $(stat -c %U:%G:%a /etc/dlmsgw/tb_gateway.yaml) == root:dlmsgw:640 ]] ||
    fail "/etc/dlmsgw/tb_gateway.yaml is $(stat -c %U:%G:%a /etc/dlmsgw/tb_gateway.yaml), not root:dlmsgw:640"
  if command -v deb-systemd-helper >/dev/null; then
    [[ -L /etc/systemd/system/multi-user.target.wants/dlmsgw.service ]] ||
      fail "postinst did not enable the unit (no multi-user.target.wants link)"
  fi
  if [[ -d /run/systemd/system ]]; then
    # A machine run by systemd: postinst started the service; this test runs its own copy.
    systemctl stop dlmsgw.service || true
  fi
  dropin=/etc/systemd/system/dlmsgw.service.d/allowed-networks.conf
  grep -q '^IPAddressAllow=any' "$dropin" ||
    fail "postinst did not create $dropin allowing the networks the unit otherwise denies"
  if command -v systemd-analyze >/dev/null; then
    # With the drop-in: the unit and the networks it allows, as systemd will load them.
    systemd-analyze verify /lib/systemd/system/dlmsgw.service >"$work/verify.log" 2>&1 ||
      fail "systemd-analyze verify: $(cat "$work/verify.log")"
  fi
  # validate run by root checks the files as the service user sees them (issue 20 item 5).
  "$root/usr/bin/dlmsgw" validate -c /etc/dlmsgw >"$work/validate.log" 2>&1 ||
    fail "validate -c /etc/dlmsgw (as root) refused the installed configuration: $(cat "$work/validate.log")"
  grep -q '^checked as user dlmsgw ' "$work/validate.log" ||
    fail "validate as root did not check as the service user: $(cat "$work/validate.log")"
  run_as=(setpriv --reuid=dlmsgw --regid=dlmsgw --init-groups --)
  log "postinst checks passed (user, group, ownership, enabled unit, validate as dlmsgw)"
fi

# The command line of the unit.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
read -r -a command <<<"$exec_start"
[[ ${command[0]} == /usr/bin/dlmsgw ]] || fail "ExecStart runs ${command[0]}, not /usr/bin/dlmsgw"
command[0]=$root/usr/bin/dlmsgw
config_dir=$work/etc
cp -a "$root/etc/dlmsgw" "$config_dir"
replaced=0
for i in "${!command[@]}"; do
  if [[ ${command[i]} == /etc/dlmsgw ]]; then
    command[i]=$config_dir
    replaced=1
  fi
done
((replaced)) || fail "ExecStart ($exec_start) does not name /etc/dlmsgw"

log "starting a simulated meter and a private broker"
dlmsgw=$root/usr/bin/dlmsgw
setsid "$dlmsgw" simulate --json --base-port 0 --bind 127.0.0.1 \
  >"$work/simulate.jsonl" 2>"$work/simulate.err" &
pids+=($!)
wait_for 15 test -s "$work/simulate.jsonl" || fail "dlmsgw simulate did not start"
meter_port=$(sed -n '1s/.*"ports":\[\([0-9]*\)\].*/\1/p' "$work/simulate.jsonl")
[[ -n $meter_port ]] || fail "no port in the simulator's ready line: $(head -n 1 "$work/simulate.jsonl")"

broker_port=
for _ in $(seq 30); do
  port=$((20000 + RANDOM % 40000))
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
  cat >"$work/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
user $(id -un)
log_dest file $work/mosquitto.log
CONF
  setsid "$mosquitto_bin" -c "$work/mosquitto.conf" >>"$work/mosquitto.err" 2>&1 &
  broker_pid=$!
  for _ in $(seq 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then broker_port=$port; break; fi
    alive "$broker_pid" || break
    sleep 0.1
  done
  if [[ -n $broker_port ]]; then pids+=("$broker_pid"); break; fi
  kill "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
done
[[ -n $broker_port ]] || fail "mosquitto did not start: $(tail -n 5 "$work/mosquitto.err")"

# The installed example as the service reads it, with the broker and meter ports of this test.
grep -q '^  port: 1883$' "$config_dir/tb_gateway.yaml" || fail "tb_gateway.yaml: no 'port: 1883'"
grep -q '"port": 3333,' "$config_dir/dlms_connector.json" || fail "dlms_connector.json: no port 3333"
sed -i "s/^  port: 1883$/  port: $broker_port/" "$config_dir/tb_gateway.yaml"
sed -i "s/\"port\": 3333,/\"port\": $meter_port,/" "$config_dir/dlms_connector.json"
if [[ $mode == extract ]]; then
  mkdir -p "$work/state"
  sed -i "s|/var/lib/dlmsgw/data.db|$work/state/data.db|" "$config_dir/tb_gateway.yaml"
fi

setsid mosquitto_sub -h 127.0.0.1 -p "$broker_port" -t v1/gateway/telemetry -C 1 -W 60 \
  >"$work/telemetry.txt" 2>"$work/mosquitto_sub.err" &
pids+=($!)

# The service manager's side of sd_notify: one datagram per message (they arrive concatenated in
# notify.log, which is all the counting below needs).
mkdir -m 0755 "$work/notify"
notify_socket=$work/notify/socket
setsid socat -u "UNIX-RECV:$notify_socket" - >"$work/notify.log" 2>"$work/socat.err" &
pids+=($!)
wait_for 10 test -S "$notify_socket" || fail "socat did not create $notify_socket"
chmod 0666 "$notify_socket"

log "running the installed ${exec_start} (-c: the copy, ports $broker_port/$meter_port)"
setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 NOTIFY_SOCKET="$notify_socket" \
  WATCHDOG_USEC=$watchdog_usec "${run_as[@]}" "${command[@]}" >"$work/dlmsgw.log" 2>&1 &
daemon=$!
pids+=("$daemon")

wait_for 30 has_notify READY=1 || fail "no READY=1 from dlmsgw"
log "READY=1"
wait_for 20 has_notify WATCHDOG=1 3 || fail "fewer than 3 WATCHDOG=1 within 20 s"
log "WATCHDOG=1 x$(notify_count WATCHDOG=1)"
wait_for 45 test -s "$work/telemetry.txt" || fail "no telemetry at the broker within 45 s"
log "telemetry: $(cut -c1-120 "$work/telemetry.txt")"

# A process that does not run sends no pings: systemd would restart it.
kill -STOP "$daemon"
sleep 0.5  # a ping already on its way
before=$(notify_count WATCHDOG=1)
sleep 3
after=$(notify_count WATCHDOG=1)
kill -CONT "$daemon"
((after == before)) || fail "$((after - before)) WATCHDOG=1 while dlmsgw was stopped (SIGSTOP)"
wait_for 10 has_notify WATCHDOG=1 $((after + 1)) || fail "no WATCHDOG=1 after SIGCONT"
log "no WATCHDOG=1 while stopped, pings again after SIGCONT"

kill -TERM "$daemon"
wait_for 20 exited "$daemon" || fail "dlmsgw still runs 20 s after SIGTERM"
wait "$daemon" && exit_status=0 || exit_status=$?
((exit_status == 0)) || fail "dlmsgw exited with status $exit_status after SIGTERM"
has_notify STOPPING=1 || fail "no STOPPING=1 on SIGTERM"
log "SIGTERM: STOPPING=1, exit 0"

if [[ $mode == root ]]; then
  [[ $(stat -c %U /var/lib/dlmsgw/data.db) == dlmsgw ]] ||
    fail "/var/lib/dlmsgw/data.db is not owned by dlmsgw"
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
  installed=0
  dpkg --purge dlmsgw >>"$work/dpkg.log" 2>&1 || fail "dpkg --purge dlmsgw failed"
  ! getent passwd dlmsgw >/dev/null || fail "the user dlmsgw is still there after purge"
  ! getent group dlmsgw >/dev/null || fail "the group dlmsgw is still there after purge"
  for path in /usr/bin/dlmsgw /etc/dlmsgw /var/lib/dlmsgw /lib/systemd/system/dlmsgw.service \
    /etc/systemd/system/multi-user.target.wants/dlmsgw.service /etc/systemd/system/dlmsgw.service \
    /etc/systemd/system/dlmsgw.service.d; do
    [[ ! -e $path && ! -L $path ]] || fail "$path is still there after purge"
  done
  log "purged: no user, group, files or unit left"
  log "PASS"
  exit 0
fi
log "SKIP: $reason; the package was run from a temporary root, the postinst checks (user, ownership, enabled unit, purge) were not done"
exit "$skip_status"
