#!/usr/bin/env python3
"""bench/soak: many meters through the full gateway under a seeded fault storm; counts what was lost.

    bench/soak/soak.py --meters 1000 --duration 3600 --outage 600 --seed 7 --json

Starts, all on 127.0.0.1 and all stopped at the end (helpers from bench/scale/scale_bench.py):
  - mosquitto on a free port with persistence, in a temporary directory; the subscriber below has a
    persistent session, so what the broker acknowledged to the gateway reaches it across restarts;
  - four `dlmsgw simulate --json` processes, meters on consecutive ports, load profile every
    --capture-period s: microstar (HDLC, LLS) and generic (wrapper; even meters without
    authentication, odd ones HLS-GMAC with suite 0 auth-enc ciphering), each clean and with faults
    (`--fault NAME=RATE` on every answer, for the whole run);
  - `dlmsgw run -c <tmp>` with SQLite storage: 10 registers every --period s and the load profile
    (`profiles[]`) of each meter; the storage component at debug level, whose
    "committed telemetry '<device>' ts <ms> <payload>" line per record is what "stored" means;
  - an MQTT subscriber (QoS 1, persistent session, standard library only) on v1/gateway/telemetry.

Faults, from random.Random(--seed) (printed as a schedule, so a run can be repeated):
  kill -9 of the gateway (some at random moments, some 0.3-3 s after the broker came back, while
  the backlog drains with PUBACKs outstanding and SQLite commits and deletes), broker restarts
  (SIGTERM, down 0.5-5 s, started again on the same port), one broker outage of --outage s, meter
  faults on the faulty simulators. Counts scale with --duration: 50 kill -9 and 100 broker restarts
  per hour of faults (at least 1 each).

Accounting, once the fault window is over and everything has had --drain-timeout s to arrive:
  - load profile: every entry each meter holds with a capture time from the gateway's first start
    to the window's end (capture times are multiples of the capture period: the simulator's
    history is a function of seed and time) must be delivered; a sample of meters is read again
    with `dlmsgw profile` and the values compared;
  - every record the gateway logged as committed must be delivered, or still be in the database
    when the gateway is stopped at the end (read with sqlite3): queued in `records`, or set aside
    in `dead_letters` (not lost, reported separately as dead letters; only lost fails the run);
  - lost (the exit status is 1 when it is not 0), duplicated (bound: 8,000 records in the uplink's
    window + one batch per fault), out of order per device and stream, delivery delay percentiles
    by the fault that preceded the reading, reconnect storms (a meter associating more than once
    between two faults), the gateway's peak RSS and CPU, the database size over time.
"""

import argparse
import collections
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scale"))
import scale_bench as sb  # noqa: E402  (free ports, /proc readers, MQTT framing, percentiles)

ROOT = sb.ROOT
LP_KEYS = ("lp_active_import", "lp_reactive_import")
WINDOW_RECORDS = 8000 + 100  # UplinkOptions::max_in_flight_records + one batch (docs/architecture.md)
METER_FAULTS = ("garbage=0.02,flag_bytes=0.2,byte_at_a_time=0.05,reset=0.004,delay=0.02,"
                "drop=0.004,stale_duplicate=0.01,late_error=0.004,refuse=0.02,slow_accept=0.02")
LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) ")
# One line per record: a telemetry record's payload is its values ({...}); a series record (one
# poll's readings of one device, issue 18 item 3) carries its entries ([{"ts", "values"}, ...]).
COMMITTED = re.compile(
    r" \[storage\] committed telemetry( series)? '([^']*)' ts (-?\d+) ([\[{].*[\]}])$")
ASSOCIATED = re.compile(r"meter '([^']*)'.*: associated \(")


def stream_of(keys):
    if LP_KEYS[0] in keys:
        return "profile"
    if any(k.startswith("stats_") for k in keys):
        return "stats"
    return "registers"


def log_time(line):
    """Seconds since the epoch of a `dlmsgw run` log line (local time), None without one."""
    match = LOG_TIME.match(line)
    if not match:
        return None
    stamp = time.mktime(time.strptime(match.group(1)[:19], "%Y-%m-%d %H:%M:%S"))
    return stamp + int(match.group(1)[20:]) / 1000.0


class DurableSubscriber(sb.Subscriber):
    """MQTT 3.1.1 subscriber with a persistent session (clean session 0, QoS 1, PUBACK for each
    message) that reconnects whenever the broker goes away. Messages the broker delivers again
    after our reconnect (DUP set, same bytes as one already received) are the bench's own
    redeliveries, not the gateway's duplicates: counted apart and ignored."""

    def __init__(self, port, topic):
        threading.Thread.__init__(self, daemon=True)
        self.port, self.topic = port, topic
        self.lock = threading.Lock()
        self.stop_flag = False
        self.sock = None
        self.deliveries = 0
        self.counts = collections.Counter()  # (device, ts, keys) -> deliveries
        self.first_received = {}  # (device, ts, keys) -> time of the first delivery
        self.newest = {}  # (device, stream) -> newest ts delivered
        self.out_of_order = collections.Counter()  # stream -> first deliveries older than newest
        self.lp_values = collections.defaultdict(set)  # (device, ts) -> load profile values
        self.keysets = {}
        self.last_receive = 0.0
        self.redeliveries = 0
        self.reconnects = 0
        self.recent = collections.OrderedDict()  # payload bytes of messages with a packet id
        self._connect(first=True)

    def _connect(self, first=False):
        deadline = time.time() + (10 if first else 3600)
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._handshake()
                self.sock.settimeout(None)
                return
            except (OSError, ConnectionError):
                if self.sock:
                    self.sock.close()
                self.sock = None
                if time.time() > deadline or self.stop_flag:
                    raise
                time.sleep(0.2)

    def _handshake(self):
        client_id = b"soak-subscriber"
        body = (struct.pack("!H", 4) + b"MQTT" + bytes([4, 0x00]) + struct.pack("!H", 60) +
                struct.pack("!H", len(client_id)) + client_id)  # clean session 0
        self._send(0x10, body)
        kind, payload = self._read_packet()
        if kind >> 4 != 2 or payload[1] != 0:
            raise ConnectionError(f"CONNACK refused: {payload!r}")
        topic = self.topic.encode()
        self._send(0x82, struct.pack("!H", 1) + struct.pack("!H", len(topic)) + topic + b"\x01")
        while True:  # queued messages may come before the SUBACK
            kind, payload = self._read_packet()
            if kind >> 4 == 9:
                return
            if kind >> 4 == 3:
                packet_id = self._on_packet(kind, payload, time.time())
                if packet_id is not None:
                    self.sock.sendall(b"\x40\x02" + struct.pack("!H", packet_id))

    def run(self):
        buffer = bytearray()
        last_ping = time.time()
        while not self.stop_flag:
            try:
                if time.time() - last_ping > 20:
                    self.sock.sendall(b"\xc0\x00")
                    last_ping = time.time()
                ready, _, _ = select.select([self.sock], [], [], 0.2)
                if not ready:
                    continue
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    raise ConnectionError("closed")
            except (OSError, ConnectionError):
                if self.stop_flag:
                    return
                self.sock.close()
                buffer.clear()
                with self.lock:
                    self.reconnects += 1
                try:
                    self._connect()
                except (OSError, ConnectionError):
                    return
                continue
            received = time.time()
            buffer += chunk
            acks = bytearray()
            while True:
                packet = self._take_packet(buffer)
                if packet is None:
                    break
                first, body = packet
                if first >> 4 == 3:
                    packet_id = self._on_packet(first, body, received)
                    if packet_id is not None:
                        acks += b"\x40\x02" + struct.pack("!H", packet_id)
            if acks:
                try:
                    self.sock.sendall(bytes(acks))
                except OSError:
                    pass

    def _on_packet(self, first, body, received):
        topic_length = struct.unpack("!H", body[:2])[0]
        offset = 2 + topic_length
        packet_id = None
        if (first >> 1) & 0x03:
            packet_id = struct.unpack("!H", body[offset:offset + 2])[0]
            offset += 2
        payload = body[offset:]
        with self.lock:
            if first & 0x08 and payload in self.recent:
                self.redeliveries += 1
                return packet_id
            self.recent[payload] = True
            if len(self.recent) > 20000:
                self.recent.popitem(last=False)
            try:
                message = json.loads(payload)
            except ValueError:
                return packet_id
            self.last_receive = received
            for device, entries in message.items():
                if not isinstance(entries, list):
                    continue
                device = sys.intern(device)
                for entry in entries:
                    values = entry.get("values", {})
                    keys = frozenset(values)
                    keys = self.keysets.setdefault(keys, keys)
                    ts = entry.get("ts")
                    key = (device, ts, keys)
                    self.deliveries += 1
                    self.counts[key] += 1
                    if self.counts[key] == 1 and isinstance(ts, int):
                        self.first_received[key] = received
                        stream = stream_of(keys)
                        newest = self.newest.get((device, stream), ts)
                        if ts < newest:
                            self.out_of_order[stream] += 1
                        self.newest[(device, stream)] = max(ts, newest)
                    if LP_KEYS[0] in keys:
                        self.lp_values[(device, ts)].add(tuple(values.get(k) for k in LP_KEYS))
        return packet_id

    def close(self):
        self.stop_flag = True
        self.join(timeout=5)
        try:
            self.sock.close()
        except OSError:
            pass


class Broker:
    def __init__(self, mosquitto, work, port):
        self.mosquitto, self.work, self.port = mosquitto, work, port
        self.process = None
        self.conf = os.path.join(work, "mosquitto.conf")
        os.makedirs(os.path.join(work, "broker"), exist_ok=True)
        with open(self.conf, "w") as conf:
            conf.write(f"listener {port} 127.0.0.1\nallow_anonymous true\n"
                       f"persistence true\npersistence_location {work}/broker/\n"
                       "autosave_interval 60\nmax_queued_messages 0\nmax_inflight_messages 0\n"
                       f"user {os.environ.get('USER', 'root')}\n"
                       f"log_dest file {work}/mosquitto.log\nlog_type error\nlog_type warning\n")
        self.starts = 0

    def start(self):
        out = open(os.path.join(self.work, "mosquitto.console"), "ab")
        deadline = time.time() + 15
        while True:  # the port may still be in TIME_WAIT's hands for a moment
            self.process = subprocess.Popen([self.mosquitto, "-c", self.conf], stdout=out,
                                            stderr=subprocess.STDOUT)
            while time.time() < deadline and self.process.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    out.close()
                    self.starts += 1
                    return
                except OSError:
                    time.sleep(0.05)
            if time.time() > deadline:
                raise SystemExit(f"mosquitto did not start on {self.port}; see {self.work}")
            time.sleep(0.2)

    def stop(self):
        sb.stop_process(self.process)


def device_json(name, port, profile, client, args, lp_obis):
    b_field = 1 if profile == "microstar" else 0
    connection = {"type": "tcp", "host": "127.0.0.1", "port": port}
    if profile == "microstar":
        connection.update({"password": "22222222"})
    elif client == 1:
        connection.update({"transport": "wrapper", "clientAddress": 1, "serverLogicalAddress": 1,
                           "authentication": "high-gmac", "security": "auth-enc",
                           "systemTitle": "4D4D4D0000000001",
                           "blockKey": "000102030405060708090A0B0C0D0E0F",
                           "authenticationKey": "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"})
    else:
        connection.update({"transport": "wrapper", "clientAddress": 16,
                           "serverLogicalAddress": 1, "authentication": "none"})
    return {
        "deviceName": name, "deviceType": "Soak Meter", "pollPeriod": int(args.period * 1000),
        "publishClockOffset": False, "connection": connection,
        "timeseries": [{"key": key, "obis": f"1-{b_field}:{c}.{d}.0", "classId": 3}
                       for key, c, d in sb.REGISTERS[:args.registers]],
        "profiles": [{"obis": lp_obis, "pollPeriod": int(args.capture_period * 1000),
                      "maxBackfillHours": 1,
                      "columns": [{"obis": f"1-{b_field}:1.8.0", "key": LP_KEYS[0]},
                                  {"obis": f"1-{b_field}:3.8.0", "key": LP_KEYS[1]}]}],
    }


def schedule(rng, duration, outage, kills, restarts):
    """Fault events (offset s from the window's start, kind, parameters), sorted. The outage sits
    in the middle half; a third of the kills follow a broker restart by 0.3-3 s (backlog draining,
    PUBACKs outstanding), one follows the outage's end."""
    events = []
    outage_at = rng.uniform(duration / 4, max(duration / 4, 3 * duration / 4 - outage))
    events.append((outage_at, "outage", {"down_s": outage}))
    busy = [(outage_at - 1, outage_at + outage + 1)]

    def free_moment(length):
        for _ in range(10000):
            at = rng.uniform(1, max(1.5, duration - length - 1))
            if all(at + length + 1 < start or at > end for start, end in busy):
                busy.append((at - 1, at + length + 1))
                return at
        return None

    for _ in range(restarts):
        down = rng.uniform(0.5, 5)
        at = free_moment(down)
        if at is not None:
            events.append((at, "broker_restart", {"down_s": round(down, 2)}))
    restart_times = [at + p["down_s"] for at, kind, p in events if kind == "broker_restart"]
    rng.shuffle(restart_times)
    burst = min(len(restart_times), kills // 3)
    for back in restart_times[:burst]:
        events.append((back + rng.uniform(0.3, 3), "kill9", {"moment": "broker_back",
                                                             "restart_s": round(rng.uniform(0.2, 3), 2)}))
    remaining = kills - burst
    if remaining > 0 and outage > 0:
        events.append((outage_at + outage + rng.uniform(0.5, 4), "kill9",
                       {"moment": "outage_end", "restart_s": round(rng.uniform(0.2, 3), 2)}))
        remaining -= 1
    for _ in range(remaining):
        restart = rng.uniform(0.2, 3)
        at = free_moment(restart)
        if at is not None:
            events.append((at, "kill9", {"moment": "random", "restart_s": round(restart, 2)}))
    return sorted((round(at, 2), kind, p) for at, kind, p in events)


class Gateway:
    """`dlmsgw run` started again after each kill -9; CPU and peak RSS summed over its processes."""

    def __init__(self, binary, work):
        self.binary, self.work = binary, work
        self.process = None
        self.starts = 0
        self.cpu_done = 0.0
        self.peak_rss_kb = 0
        self.cpu_last = 0.0
        self.started = 0.0
        self.logs = []

    def start(self):
        path = os.path.join(self.work, f"gateway-{self.starts:03d}.log")
        self.logs.append(path)
        self.process, out = sb.start_process([self.binary, "run", "-c", self.work], path)
        out.close()
        self.started = time.time()
        self.starts += 1
        self.cpu_last = 0.0

    def sample(self):
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.cpu_last = sb.cpu_seconds(self.process.pid)
            self.peak_rss_kb = max(self.peak_rss_kb, sb.status_kb(self.process.pid, "VmHWM"))
        except (OSError, IndexError):
            pass

    def kill9(self):
        self.sample()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.cpu_done += self.cpu_last
        self.process = None

    def stop(self):
        self.sample()
        sb.stop_process(self.process, timeout=60)
        self.cpu_done += self.cpu_last
        self.process = None

    def cpu_total(self):
        return self.cpu_done + (self.cpu_last if self.process else 0.0)


def start_simulator(args, profile, count, base_port, seed, faults, capture_period):
    command = [args.binary, "simulate", "--json", "--profile", profile, "--meters", str(count),
               "--base-port", str(base_port), "--seed", str(seed),
               "--capture-period", str(capture_period)]
    for fault in (faults.split(",") if faults else []):
        command += ["--fault", fault]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    ready = json.loads(process.stdout.readline() or "{}")
    if ready.get("event") != "ready":
        raise SystemExit(f"simulator did not start: {ready}")
    return process, ready


def stop_simulator(process):
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class GatewayLogs:
    """Reads the gateway's logs as they grow: committed records {(device, ts, keys): count},
    association times per meter, error lines."""

    def __init__(self):
        self.stored = collections.Counter()
        self.associations = collections.defaultdict(list)
        self.errors = 0
        self.offsets = {}
        self.keysets = {}

    def update(self, paths):
        for path in paths:
            with open(path, "rb") as f:
                f.seek(self.offsets.get(path, 0))
                data = f.read()
            end = data.rfind(b"\n") + 1  # a line still being written waits for the next look
            self.offsets[path] = self.offsets.get(path, 0) + end
            self._parse(data[:end].decode(errors="replace"))
        return self

    def _parse(self, text):
        stored, associations = self.stored, self.associations
        errors = 0
        for line in text.splitlines():
            if " [storage] committed " in line:
                match = COMMITTED.search(line)
                if match:
                    device = sys.intern(match.group(2))
                    for ts, keys in record_entries(match.group(1) is not None,
                                                   int(match.group(3)), match.group(4)):
                        keys = self.keysets.setdefault(keys, keys)
                        stored[(device, ts, keys)] += 1
                continue
            if ": associated (" in line:
                match = ASSOCIATED.search(line)
                when = log_time(line)
                if match and when:
                    associations[match.group(1)].append(when)
            elif " error " in line or " critical " in line:
                errors += 1
        self.errors += errors


def database_rows(path, table="records"):
    """(device, ts) of the telemetry records still queued in the gateway's SQLite file (table
    `records`), or set aside there as dead letters (table `dead_letters`)."""
    if not os.path.exists(path):
        return collections.Counter()
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            f"SELECT device, ts, payload, kind FROM {table} WHERE kind IN (1, 3)").fetchall()
    except sqlite3.OperationalError:  # a database from before the dead_letters table
        rows = []
    finally:
        connection.close()
    left = collections.Counter()
    for device, ts, payload, kind in rows:
        for entry_ts, keys in record_entries(kind == 3, int(ts), payload):
            left[(device, entry_ts, keys)] += 1
    return left


def record_entries(series, ts, payload):
    """(ts, keys) of each reading a stored record holds: one for a telemetry record, one per
    entry for a series record; none when the payload does not parse."""
    try:
        parsed = json.loads(payload)
    except ValueError:
        return []
    if not series:
        return [(ts, frozenset(parsed))]
    return [(entry["ts"], frozenset(entry["values"])) for entry in parsed
            if isinstance(entry, dict) and isinstance(entry.get("ts"), int)
            and isinstance(entry.get("values"), dict)]


def profile_sample(args, meter, port, lp_obis, first_ms, last_ms):
    """The meter's own entries for the window, read with `dlmsgw profile`: {ts: (values...)}."""
    command = [args.binary, "profile", lp_obis, "--host", "127.0.0.1", "--port", str(port),
               "--json", "--from", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(first_ms / 1000)),
               "--to", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(last_ms / 1000))]
    if meter["profile"] == "generic":
        command += ["--transport", "wrapper", "--client", "16", "--auth", "none"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        return None
    entries = {}
    b_field = 1 if meter["profile"] == "microstar" else 0
    # `dlmsgw profile` names a column by the catalog where it has the name, else by OBIS text.
    names = {1: ("active_energy", f"1-{b_field}:1.8.0"), 3: ("reactive_energy", f"1-{b_field}:3.8.0")}

    def value(entry, c):
        key = next(k for k in names[c] if k in entry)
        return float(entry[key]["value"])

    for entry in json.loads(result.stdout):
        entries[entry["ts"]] = tuple(value(entry, c) for c in (1, 3))
    return entries


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meters", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=600.0, help="fault window, seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--outage", type=float, default=600.0,
                        help="length of the one long broker outage, seconds (inside the window)")
    parser.add_argument("--kills", type=int, default=None,
                        help="kill -9 of the gateway (default 50 per hour of window, at least 1)")
    parser.add_argument("--broker-restarts", type=int, default=None,
                        help="broker restarts (default 100 per hour of window, at least 1)")
    parser.add_argument("--faulty-share", type=float, default=0.2,
                        help="share of meters served with faults (half microstar, half generic)")
    parser.add_argument("--meter-faults", default=METER_FAULTS,
                        help="NAME=RATE,... for the faulty meters (dlmsgw simulate --fault)")
    parser.add_argument("--generic-share", type=float, default=0.5,
                        help="share of the clean meters on the generic profile (half of them "
                             "HLS-GMAC ciphered)")
    parser.add_argument("--registers", type=int, default=10)
    parser.add_argument("--period", type=float, default=15.0, help="register poll period, s")
    parser.add_argument("--capture-period", type=int, default=60,
                        help="the meters' load profile capture period, s (and its poll period)")
    parser.add_argument("--drain-timeout", type=float, default=None,
                        help="after the window, seconds for everything to arrive (default "
                             "120 + meters/10, plus 300 with faulty meters: a circuit breaker's "
                             "pause)")
    parser.add_argument("--profile-sample", type=int, default=4,
                        help="meters whose profile is read again with `dlmsgw profile` at the end")
    parser.add_argument("--base-port", type=int, default=21000)
    parser.add_argument("--binary", default=os.path.join(ROOT, "build/release/src/app/dlmsgw"))
    parser.add_argument("--mosquitto", default=shutil.which("mosquitto") or "/usr/sbin/mosquitto")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--json", action="store_true", help="also print one JSON line")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        parser.error(f"{args.binary}: not built (cmake --build build/release --target dlmsgw)")
    if args.meters < 4:
        parser.error("--meters: at least 4 (one of each kind)")
    hours = args.duration / 3600.0
    kills = args.kills if args.kills is not None else max(1, round(50 * hours))
    restarts = (args.broker_restarts if args.broker_restarts is not None
                else max(1, round(100 * hours)))
    drain_timeout = args.drain_timeout or (120 + args.meters / 10 +
                                           (300 if args.faulty_share > 0 else 0))
    rng = random.Random(args.seed)
    events = schedule(rng, args.duration, args.outage, kills, restarts)

    want = 4 * args.meters + 4096
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    # Meter groups: (profile, count, faults).
    faulty = max(2, round(args.meters * args.faulty_share)) if args.faulty_share > 0 else 0
    clean = args.meters - faulty
    clean_generic = max(1, round(clean * args.generic_share))
    groups = [("microstar", clean - clean_generic, ""), ("generic", clean_generic, ""),
              ("microstar", faulty - faulty // 2, args.meter_faults),
              ("generic", faulty // 2, args.meter_faults)]
    groups = [g for g in groups if g[1] > 0]

    def terminated(signum, frame):
        raise SystemExit(f"soak: signal {signum}: stopping everything")
    signal.signal(signal.SIGTERM, terminated)

    work = tempfile.mkdtemp(prefix="dlmsgw-soak-")
    broker = gateway = subscriber = None
    simulators = []  # [process, ready, group index]
    result = {}
    lost_total = None
    try:
        broker = Broker(args.mosquitto, work, sb.free_port())
        broker.start()
        base = sb.free_port_range(args.meters, args.base_port)
        meters = []  # {name, port, profile, client, faulty, group}
        next_port = base
        for index, (profile, count, faults) in enumerate(groups):
            process, ready = start_simulator(args, profile, count, next_port, 1 + next_port - base,
                                             faults, args.capture_period)
            simulators.append([process, ready, index])
            for port in ready["ports"]:
                number = len(meters)
                client = 1 if profile == "generic" and number % 2 else (16 if profile == "generic" else 1)
                meters.append({"name": f"meter-{number:05d}", "port": port, "profile": profile,
                               "client": client, "faulty": bool(faults), "group": index,
                               "lp_obis": ready["load_profile"]["obis"]})
            next_port += count
        by_name = {m["name"]: m for m in meters}
        sb.log(f"mosquitto :{broker.port}; {len(meters)} meters on ports {base}..{next_port - 1}: "
               + ", ".join(f"{c} {p}{' faulty' if f else ''}" for p, c, f in groups)
               + f"; {sum(1 for m in meters if m['client'] == 1 and m['profile'] == 'generic')}"
               " ciphered (HLS-GMAC, auth-enc)")

        connector = {"name": "Soak Meters", "type": "dlms", "statisticsPeriod": 60000,
                     "devices": [device_json(m["name"], m["port"], m["profile"], m["client"], args,
                                             m["lp_obis"]) for m in meters]}
        with open(os.path.join(work, "dlms_connector.json"), "w") as f:
            json.dump(connector, f)
        os.makedirs(os.path.join(work, "data"), exist_ok=True)
        db_path = os.path.join(work, "data", "data.db")
        with open(os.path.join(work, "tb_gateway.yaml"), "w") as f:
            f.write(f"thingsboard:\n  host: 127.0.0.1\n  port: {broker.port}\n  qos: 1\n"
                    "  security: {accessToken: soak-gateway}\n"
                    f"storage:\n  type: sqlite\n  data_file_path: {db_path}\n"
                    "  max_records_count: 5000000\n"
                    "health: {enabled: false}\n"
                    "logging: {level: info, levels: {storage: debug}}\n"
                    "connectors:\n  - {name: Soak Meters, type: dlms, "
                    "configuration: dlms_connector.json}\n")

        subscriber = DurableSubscriber(broker.port, "v1/gateway/telemetry")
        subscriber.start()
        gateway = Gateway(args.binary, work)
        run_start = time.time()
        gateway.start()
        sb.log(f"gateway pid {gateway.process.pid}; waiting for a reading from each meter")
        connect_timeout = 60 + args.meters / 20
        while time.time() - run_start < connect_timeout:
            with subscriber.lock:
                seen = {k[0] for k in subscriber.counts if LP_KEYS[0] not in k[2]}
            if all(m["name"] in seen for m in meters if not m["faulty"]):
                break  # the faulty meters may take a while: they are not waited for
            if gateway.process.poll() is not None:
                raise SystemExit(f"gateway exited with {gateway.process.returncode}; see {work}")
            time.sleep(0.5)
        late = [m["name"] for m in meters if m["name"] not in seen]
        if late:
            sb.log(f"not delivering yet: {late[:10]}")
        sb.log(f"{len(seen)} of {args.meters} meters delivering after "
               f"{time.time() - run_start:.1f} s; fault window of {args.duration:.0f} s: "
               f"{sum(1 for e in events if e[1] == 'kill9')} kill -9, "
               f"{sum(1 for e in events if e[1] == 'broker_restart')} broker restarts, "
               f"outage {args.outage:.0f} s")

        # The fault window.
        window_start = time.time()
        done_events = []  # (time, kind, params, recent publishes)
        db_sizes = []
        last_sample = 0.0
        pending = list(events)
        actions = []  # (time, callable) restarts due
        while True:
            now = time.time()
            offset = now - window_start
            if now - last_sample >= 5:
                last_sample = now
                gateway.sample()
                size = sum(os.path.getsize(db_path + s) for s in ("", "-wal", "-shm")
                           if os.path.exists(db_path + s))
                db_sizes.append((round(offset), size))
            for due, action in [a for a in actions if a[0] <= now]:
                actions.remove((due, action))
                action()
            if pending and pending[0][0] <= offset:
                at, kind, params = pending[0]
                if ((kind == "kill9" and (gateway.process is None or now - gateway.started < 1)) or
                        (kind != "kill9" and (broker.process is None or
                                              broker.process.poll() is not None))):
                    time.sleep(0.01)  # still down after the previous fault: this one waits
                    continue
                with subscriber.lock:
                    last_receive = subscriber.last_receive
                if (kind == "kill9" and params["moment"] != "random" and offset - at < 15 and
                        now - last_receive > 0.1):
                    # After the broker came back: kill while the backlog drains (a publish in
                    # the last 0.1 s: PUBACKs outstanding), waiting for it up to 15 s.
                    time.sleep(0.01)
                    continue
                pending.pop(0)
                recent = now - last_receive < 0.5
                if kind == "kill9":
                    gateway.kill9()
                    actions.append((now + params["restart_s"], gateway.start))
                else:
                    broker.stop()
                    actions.append((now + params["down_s"], broker.start))
                done_events.append((now, kind, params, recent))
                sb.log(f"+{offset:7.1f} s {kind} {params}"
                       + (" (publishes in the last 0.5 s)" if recent else ""))
                continue
            if not pending and not actions and offset >= args.duration:
                break
            if gateway.process is not None and gateway.process.poll() is not None:
                raise SystemExit(f"gateway exited by itself with {gateway.process.returncode}; "
                                 f"see {gateway.logs[-1]} (kept {work})")
            time.sleep(0.05)
        window_end = time.time()
        # The faulty meters keep their faults: restarting their simulator would reset the
        # meters' own invocation counters, which the gateway then rightly refuses as replays.
        sb.log("fault window over; draining")

        # Expected load profile entries: capture times from the gateway's first start to the
        # window's end.
        period_ms = args.capture_period * 1000
        first_ms = -(-int(run_start * 1000) // period_ms) * period_ms
        last_ms = int(window_end * 1000) // period_ms * period_ms
        expected_ts = list(range(first_ms, last_ms + 1, period_ms))
        lp_keyset = frozenset(LP_KEYS)

        logs = GatewayLogs()

        def outstanding():
            logs.update(gateway.logs)
            with subscriber.lock:
                delivered = subscriber.counts
                missing_stored = [k for k in logs.stored
                                  if k not in delivered and k[1] <= window_end * 1000]
                missing_lp = [(m["name"], ts) for m in meters for ts in expected_ts
                              if (m["name"], ts, lp_keyset) not in delivered]
            return missing_stored, missing_lp

        drain_start = time.time()
        while True:
            missing_stored, missing_lp = outstanding()
            if not missing_stored and not missing_lp:
                break
            if time.time() - drain_start > drain_timeout:
                sb.log(f"drain timeout: {len(missing_stored)} stored records and "
                       f"{len(missing_lp)} profile entries not delivered")
                break
            gateway.sample()
            time.sleep(5)
        drain_s = time.time() - drain_start
        time.sleep(1)
        gateway.stop()
        time.sleep(0.5)
        subscriber.close()
        sample = [m for m in meters if not (m["profile"] == "generic" and m["client"] == 1)]
        sample = rng.sample(sample, min(args.profile_sample, len(sample)))
        meter_history = {m["name"]: profile_sample(args, m, m["port"], m["lp_obis"], first_ms,
                                                   last_ms) for m in sample}

        # Accounting.
        logs.update(gateway.logs)
        stored, associations, gateway_errors = logs.stored, logs.associations, logs.errors
        left = database_rows(db_path)
        letters = database_rows(db_path, "dead_letters")
        counts = subscriber.counts
        values_of = subscriber.lp_values
        first_delivery = subscriber.first_received
        lost_stored = sorted(k for k in stored
                             if counts[k] == 0 and left[k] == 0 and letters[k] == 0)
        dead_lettered = sum(1 for k in stored if counts[k] == 0 and left[k] == 0 and letters[k] > 0)
        left_in_db = sum(1 for k in stored if counts[k] == 0 and left[k] > 0)
        lost_lp = [(m["name"], ts) for m in meters for ts in expected_ts
                   if counts[(m["name"], ts, lp_keyset)] == 0]
        duplicated = sum(c - 1 for c in counts.values() if c > 1)
        unexplained = sum(1 for k in counts if k not in stored)  # committed but not logged
        conflicting = sum(1 for v in values_of.values() if len(v) > 1)
        value_mismatch, value_checked = 0, 0
        for name, history in meter_history.items():
            if history is None:
                value_mismatch += 1
                continue
            for ts, values in history.items():
                got = values_of.get((name, ts))
                if got is None:
                    continue
                value_checked += 1
                if any(abs(a - b) > 1e-6 for a, b in zip(values, next(iter(got)))):
                    value_mismatch += 1

        # Out of order: first deliveries per device and stream (registers, profile, stats) whose
        # ts is older than an earlier first delivery's (counted by the subscriber as they came).
        out_of_order = subscriber.out_of_order

        # Delivery delay of register readings by the fault that preceded their acquisition.
        fault_times = [(t, kind) for t, kind, _, _ in done_events]
        delays = collections.defaultdict(list)
        for key, received in first_delivery.items():
            device, ts, keys = key
            if keys == lp_keyset or any(k.startswith("stats_") for k in keys):
                continue
            acquired = ts / 1000.0
            if acquired < window_start or acquired > window_end:
                continue
            kind = "none"
            for t, k in fault_times:
                if t <= acquired:
                    kind = k
                else:
                    break
            delays[kind].append((received - acquired) * 1000)
        delay_table = {}
        for kind, values in delays.items():
            values.sort()
            delay_table[kind] = {"readings": len(values),
                                 **{f"p{p}": round(sb.percentile(values, p)) for p in (50, 95, 99)},
                                 "max": round(values[-1])}

        # Reconnect storms: a meter associating more than once between one fault and the next.
        bounds = [t for t, _, _, _ in done_events] + [window_end]
        storms = collections.Counter()
        storm_meters = collections.Counter()
        for i, (t, kind, _, _) in enumerate(done_events):
            for name, times in associations.items():
                if by_name.get(name, {}).get("faulty", True):
                    continue
                n = sum(1 for a in times if t <= a < bounds[i + 1])
                if n > 1:
                    storms[kind] += 1
                    storm_meters[name] += 1
        faulty_associations = sum(len(v) for k, v in associations.items()
                                  if by_name.get(k, {}).get("faulty"))

        wall = time.time() - run_start
        kills_done = sum(1 for e in done_events if e[1] == "kill9")
        faults_for_bound = len(done_events)
        lost_total = len(lost_stored) + len(lost_lp)
        result = {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "seed": args.seed, "meters": args.meters,
            "groups": [{"profile": p, "meters": c, "faults": f or None} for p, c, f in groups],
            "ciphered": sum(1 for m in meters if m["profile"] == "generic" and m["client"] == 1),
            "period_s": args.period, "registers": args.registers,
            "capture_period_s": args.capture_period,
            "window_s": round(window_end - window_start, 1), "drain_s": round(drain_s, 1),
            "kill9": kills_done,
            "kill9_with_recent_publishes": sum(1 for e in done_events if e[1] == "kill9" and e[3]),
            "broker_restarts": sum(1 for e in done_events if e[1] == "broker_restart"),
            "outage_s": args.outage, "gateway_starts": gateway.starts,
            "stored_records": sum(stored.values()), "distinct_stored": len(stored),
            "delivered_records": subscriber.deliveries, "subscriber_redeliveries_ignored":
                subscriber.redeliveries, "subscriber_reconnects": subscriber.reconnects,
            "profile_entries_expected": len(expected_ts) * len(meters),
            "lost": lost_total, "lost_stored": len(lost_stored), "lost_profile": len(lost_lp),
            "lost_profile_of_faulty_meters": sum(1 for name, _ in lost_lp
                                                 if by_name[name]["faulty"]),
            "left_in_database": left_in_db, "delivered_not_logged": unexplained,
            "dead_letters": sum(letters.values()), "dead_letters_not_delivered": dead_lettered,
            "duplicated": duplicated, "duplicate_bound": faults_for_bound * WINDOW_RECORDS,
            "conflicting_profile_values": conflicting,
            "profile_values_checked": value_checked, "profile_value_mismatches": value_mismatch,
            "out_of_order": dict(out_of_order),
            "delay_ms_by_fault": delay_table,
            "reconnect_storms": dict(storms), "storm_meters": len(storm_meters),
            "faulty_meter_associations": faulty_associations,
            "gateway_cpu": round(gateway.cpu_total() / wall, 3),
            "gateway_peak_rss_mb": round(gateway.peak_rss_kb / 1024, 1),
            "gateway_errors_logged": gateway_errors,
            "database_bytes": {"max": max((s for _, s in db_sizes), default=0),
                               "final": db_sizes[-1][1] if db_sizes else 0,
                               "series": db_sizes[::max(1, len(db_sizes) // 24)]},
            "schedule": [[round(t - window_start, 1), k, p] for t, k, p, _ in done_events],
            "machine": {"nproc": os.cpu_count(), "cpu": sb.cpu_model(),
                        "load_end": sb.load_average()},
        }
        if lost_total:
            result["lost_examples"] = [list(k[:2]) for k in lost_stored[:10]] + \
                [list(k) for k in lost_lp[:10]]
            args.keep = True
    finally:
        if subscriber:
            subscriber.close()
        if gateway:
            gateway.stop()
        for entry in simulators:
            stop_simulator(entry[0])
        if broker:
            broker.stop()
        if args.keep:
            sb.log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    if not result:
        return 2
    r = result
    kinds = ", ".join(f"{g['meters']} {g['profile']}" + (" faulty" if g["faults"] else "")
                      for g in r["groups"])
    print(f"soak: {r['meters']} meters ({kinds}; "
          f"{r['ciphered']} ciphered), seed {r['seed']}, {r['window_s']} s of faults ({r['date']})")
    print(f"  faults              {r['kill9']} kill -9 ({r['kill9_with_recent_publishes']} within "
          f"0.5 s of a publish), {r['broker_restarts']} broker restarts, outage {r['outage_s']:g} s; "
          f"{r['gateway_starts']} gateway starts")
    print(f"  LOST                {r['lost']} (stored not delivered {r['lost_stored']}, profile "
          f"entries not delivered {r['lost_profile']} of {r['profile_entries_expected']}, "
          f"{r['lost_profile_of_faulty_meters']} of them of faulty meters)")
    print(f"  records             {r['stored_records']} committed ({r['distinct_stored']} distinct), "
          f"{r['delivered_records']} delivered, {r['left_in_database']} still queued at stop, "
          f"{r['delivered_not_logged']} delivered whose commit line was not logged")
    print(f"  dead letters        {r['dead_letters']} set aside in the database "
          f"({r['dead_letters_not_delivered']} of them never delivered): not lost, but a healthy "
          f"platform should refuse nothing (`dlmsgw dead-letter list`)")
    print(f"  duplicated          {r['duplicated']} (bound {r['duplicate_bound']}: {WINDOW_RECORDS} "
          f"per fault); subscriber's own redeliveries ignored {r['subscriber_redeliveries_ignored']}")
    print(f"  profile values      {r['profile_values_checked']} checked against `dlmsgw profile`, "
          f"{r['profile_value_mismatches']} mismatches, {r['conflicting_profile_values']} entries "
          f"delivered with two values")
    print(f"  out of order        {r['out_of_order'] or 0}")
    for kind, d in sorted(r["delay_ms_by_fault"].items()):
        print(f"  delay after {kind:14s} p50 {d['p50']} ms, p95 {d['p95']} ms, p99 {d['p99']} ms, "
              f"max {d['max']} ms ({d['readings']} readings)")
    print(f"  reconnect storms    {r['reconnect_storms'] or 0} ({r['storm_meters']} clean meters); "
          f"faulty meters associated {r['faulty_meter_associations']} times")
    print(f"  gateway             CPU {r['gateway_cpu']} core, peak RSS {r['gateway_peak_rss_mb']} MB,"
          f" {r['gateway_errors_logged']} error lines; database max "
          f"{r['database_bytes']['max'] / 1e6:.1f} MB, final {r['database_bytes']['final'] / 1e6:.1f} MB")
    if r.get("lost_examples"):
        print(f"  lost examples       {r['lost_examples']}")
    if args.json:
        print(json.dumps(result))
    return 1 if lost_total else 0


if __name__ == "__main__":
    sys.exit(main())
