#!/usr/bin/env python3
"""bench/scale: N simulated meters polled through the full gateway to a private mosquitto.

    bench/scale/scale_bench.py --meters 1000 --registers 10 --period 15 --duration 60

Starts, all on 127.0.0.1 and all stopped at the end:
  - mosquitto on a free port (anonymous, no persistence), in a temporary directory;
  - `dlmsgw simulate --json` serving N meters on N consecutive ports (one process, one thread);
  - `dlmsgw run -c <tmp>` with a generated tb_gateway.yaml and a full-form dlms_connector.json:
    one device per meter, K class-3 registers each, pollPeriod P;
  - an MQTT subscriber (here, standard library only) on v1/gateway/telemetry.

Measures over the window (after every meter has delivered a reading, --duration seconds):
  - achieved register values/s and readings/s reaching the subscriber;
  - CPU of the gateway, the simulator and mosquitto (user+sys seconds per wall second, from
    /proc/<pid>/stat), the gateway's peak RSS (VmHWM) and RSS at the end;
  - records/s the gateway delivered (dlmsgw_uplink_records_sent_total on its /metrics: a record
    is what storage holds, one per poll since issue 18 item 3, where readings are {ts, values}
    entries, one per distinct answer ts);
  - latency = subscriber receive time - reading ts. The ts is the acquisition time (taken when the
    meter's answer arrived); the broker forwards a QoS 1 PUBLISH to subscribers when it receives
    it, just as it sends the PUBACK, so this is acquisition-to-broker, an upper bound of
    acquisition-to-PUBACK (it adds the subscriber's own delay);
  - polling overruns: the gateway's per-meter stats_overruns telemetry (latest value per meter,
    cumulative since connect) and its "took longer than its period" log lines.

Prints a human summary and, with --json, one JSON line. Asserts nothing about time.
"""

import argparse
import http.client
import json
import os
import resource
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Class 3 registers every simulated meter has (src/dlms/server/simulated_meter.cpp), as
# (key, C, D); the B field is the profile's (1 for microstar, 0 for generic).
REGISTERS = [
    ("voltage_l1", 32, 7), ("current_l1", 31, 7), ("active_power", 1, 7),
    ("active_energy", 1, 8), ("voltage_l2", 52, 7), ("current_l2", 51, 7),
    ("voltage_l3", 72, 7), ("current_l3", 71, 7), ("frequency", 14, 7),
    ("power_factor", 13, 7), ("reactive_power", 3, 7), ("apparent_power", 9, 7),
    ("active_energy_export", 2, 8), ("reactive_energy", 3, 8),
    ("reactive_energy_export", 4, 8), ("max_demand", 1, 6),
]


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_range(count, start):
    """First `count` consecutive free ports from `start`, below the ephemeral range."""
    base = start
    while base + count < 32768:
        taken = None
        for port in range(base, base + count):
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    taken = port
                    break
        if taken is None:
            return base
        base = taken + 1
    raise SystemExit(f"no {count} consecutive free ports between {start} and 32767")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def metric(port, name):
    """A counter or gauge without labels from the gateway's /metrics; None when unavailable."""
    # http.client: /metrics comes in chunked transfer coding (written as it is rendered); a
    # response cut short raises IncompleteRead instead of passing for a shorter one.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/metrics")
        response = connection.getresponse()
        if response.status != 200:
            return None
        data = response.read()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()
    for line in data.decode(errors="replace").splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * len(sorted_values))) - 1))
    return sorted_values[index]


class Subscriber(threading.Thread):
    """A minimal MQTT 3.1.1 client: CONNECT, SUBSCRIBE (QoS 0), then PUBLISH packets parsed on
    arrival. Keeps per-reading latencies, counts and the latest stats_overruns of each device."""

    def __init__(self, port, topic):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.topic = topic
        self.lock = threading.Lock()
        self.stop_flag = False
        self.devices_seen = set()
        self.window = None  # (start, end) in time.time() seconds
        self.latencies_ms = []
        self.values_in_window = 0
        self.readings_in_window = 0
        self.messages_in_window = 0
        self.readings_total = 0
        self.direct_readings = 0  # device API messages (own-token devices): not told apart
        self.overruns = {}
        self._handshake()

    def _send(self, packet_type, body):
        header = bytes([packet_type])
        length = len(body)
        encoded = bytearray()
        while True:
            byte = length % 128
            length //= 128
            encoded.append(byte | (0x80 if length else 0))
            if not length:
                break
        self.sock.sendall(header + bytes(encoded) + body)

    def _recv_exact(self, n):
        data = bytearray()
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("broker closed the connection")
            data += chunk
        return bytes(data)

    def _read_packet(self):
        first = self._recv_exact(1)[0]
        multiplier, length = 1, 0
        while True:
            byte = self._recv_exact(1)[0]
            length += (byte & 0x7F) * multiplier
            multiplier *= 128
            if not byte & 0x80:
                break
        return first, self._recv_exact(length)

    def _handshake(self):
        client_id = b"scale-bench-sub"
        body = (struct.pack("!H", 4) + b"MQTT" + bytes([4, 0x02]) + struct.pack("!H", 0) +
                struct.pack("!H", len(client_id)) + client_id)
        self._send(0x10, body)
        kind, payload = self._read_packet()
        if kind >> 4 != 2 or payload[1] != 0:
            raise SystemExit(f"subscriber: CONNACK refused: {payload!r}")
        # One SUBSCRIBE with every filter (a list, or one topic), each at QoS 0.
        filters = b""
        for topic in ([self.topic] if isinstance(self.topic, str) else self.topic):
            filters += struct.pack("!H", len(topic.encode())) + topic.encode() + b"\x00"
        self._send(0x82, struct.pack("!H", 1) + filters)
        kind, payload = self._read_packet()
        if kind >> 4 != 9:
            raise SystemExit("subscriber: no SUBACK")

    def run(self):
        buffer = bytearray()
        self.sock.setblocking(False)
        while not self.stop_flag:
            ready, _, _ = select.select([self.sock], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = self.sock.recv(1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                return
            received = time.time()
            buffer += chunk
            while True:
                packet = self._take_packet(buffer)
                if packet is None:
                    break
                first, body = packet
                if first >> 4 == 3:
                    self._on_publish(first, body, received)

    @staticmethod
    def _take_packet(buffer):
        if len(buffer) < 2:
            return None
        multiplier, length, index = 1, 0, 1
        while True:
            if index >= len(buffer):
                return None
            byte = buffer[index]
            length += (byte & 0x7F) * multiplier
            multiplier *= 128
            index += 1
            if not byte & 0x80:
                break
        if len(buffer) < index + length:
            return None
        first = buffer[0]
        body = bytes(buffer[index:index + length])
        del buffer[:index + length]
        return first, body

    def _on_publish(self, first, body, received):
        topic_length = struct.unpack("!H", body[:2])[0]
        offset = 2 + topic_length
        if (first >> 1) & 0x03:
            offset += 2  # packet id (we subscribed with QoS 0, so this does not happen)
        try:
            message = json.loads(body[offset:])
        except ValueError:
            return
        received_ms = received * 1000.0
        # An own-token device publishes {ts, values} or a list of them on v1/devices/me/telemetry.
        if isinstance(message, list) or (isinstance(message, dict) and "values" in message):
            message = {None: message if isinstance(message, list) else [message]}
        with self.lock:
            in_window = self.window is not None and self.window[0] <= received <= self.window[1]
            if in_window:
                self.messages_in_window += 1
            for device, entries in message.items():
                if not isinstance(entries, list):
                    continue
                for entry in entries:
                    values = entry.get("values", {})
                    if "stats_overruns" in values:
                        self.overruns[device] = values["stats_overruns"]
                    registers = sum(1 for key in values if not key.startswith("stats_"))
                    if registers == 0:
                        continue
                    if device is None:
                        self.direct_readings += 1
                    else:
                        self.devices_seen.add(device)
                    self.readings_total += 1
                    if in_window:
                        self.readings_in_window += 1
                        self.values_in_window += registers
                        self.latencies_ms.append(received_ms - entry["ts"])

    def close(self):
        self.stop_flag = True
        self.join(timeout=5)
        try:
            self.sock.close()
        except OSError:
            pass


def device_json(index, port, registers, period_s, b_field, profile, direct=False):
    connection = {"type": "tcp", "host": "127.0.0.1", "port": port}
    if profile == "microstar":
        connection.update({"password": "22222222"})
    else:
        connection.update({"transport": "wrapper", "clientAddress": 16,
                           "serverLogicalAddress": 1, "authentication": "none"})
    device = {
        "deviceName": f"meter-{index:05d}",
        "deviceType": "Bench Meter",
        "pollPeriod": int(period_s * 1000),
        "publishClockOffset": False,
        "connection": connection,
        "timeseries": [{"key": key, "obis": f"1-{b_field}:{c}.{d}.0", "classId": 3}
                       for key, c, d in REGISTERS[:registers]],
    }
    if direct:
        # Publishes as itself with its own token (mosquitto takes any user name).
        device["deviceToken"] = {"accessToken": f"bench-token-{index:05d}"}
    return device


def start_process(arguments, log_path, **kwargs):
    out = open(log_path, "wb")
    return subprocess.Popen(arguments, stdout=out, stderr=subprocess.STDOUT, **kwargs), out


def stop_process(process, timeout=15):
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meters", type=int, default=100)
    parser.add_argument("--registers", type=int, default=10, help=f"1..{len(REGISTERS)}")
    parser.add_argument("--period", type=float, default=15.0, help="poll period, seconds")
    parser.add_argument("--duration", type=float, default=60.0, help="measured window, seconds")
    parser.add_argument("--profile", choices=["microstar", "generic"], default="microstar",
                        help="microstar: HDLC, LLS, one GET per register (the user's meter); "
                             "generic: wrapper, no authentication, GET-with-list")
    parser.add_argument("--storage", choices=["memory", "sqlite"], default="sqlite")
    parser.add_argument("--read-records-count", type=int, default=None,
                        help="storage.read_records_count, records per uplink batch (default 100)")
    parser.add_argument("--broker-nodelay", action="store_true",
                        help="mosquitto with set_tcp_nodelay true (stock mosquitto holds its "
                             "PUBACKs for Nagle's algorithm; see bench/README.md)")
    parser.add_argument("--max-concurrent-polls", type=int, default=None,
                        help="connector maxConcurrentPolls (default: the connector's, 32)")
    parser.add_argument("--direct-devices", type=int, default=0,
                        help="the first N meters publish with their own deviceToken (device API, "
                        "one MQTT connection each); prints threads and open files too")
    parser.add_argument("--stats-period", type=float, default=60.0,
                        help="connector statisticsPeriod (per-meter stats_* telemetry), seconds")
    parser.add_argument("--connect-timeout", type=float, default=None,
                        help="seconds to wait for every meter's first reading (default: "
                             "60 + meters/50)")
    parser.add_argument("--meters-per-simulator", type=int, default=None,
                        help="at most this many meters per simulator process (default: as many "
                             "as RLIMIT_NOFILE allows, 2 descriptors a meter)")
    parser.add_argument("--cold-start", action="store_true",
                        help="start without a device registry (first start of a new gateway)")
    parser.add_argument("--base-port", type=int, default=20000,
                        help="first simulator port is the first free run of N ports from here")
    parser.add_argument("--binary", default=os.path.join(ROOT, "build/release/src/app/dlmsgw"))
    parser.add_argument("--mosquitto", default=shutil.which("mosquitto") or "/usr/sbin/mosquitto")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--json", action="store_true", help="also print one JSON line")
    args = parser.parse_args()
    if not 1 <= args.registers <= len(REGISTERS):
        parser.error(f"--registers: 1..{len(REGISTERS)}")
    if not os.access(args.binary, os.X_OK):
        parser.error(f"{args.binary}: not built (cmake --build --preset release --target dlmsgw)")

    # Every meter costs the simulator a listening and an accepted socket, and the gateway one
    # socket; children inherit this limit. Root may raise the hard limit; others get what it allows.
    want = 4 * args.meters + 4096
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]

    work = tempfile.mkdtemp(prefix="dlmsgw-scale-")
    broker = gateway = subscriber = None
    simulators = []
    files = []
    result = {}
    try:
        # Broker.
        broker_port = free_port()
        with open(os.path.join(work, "mosquitto.conf"), "w") as conf:
            conf.write(f"listener {broker_port} 127.0.0.1\nallow_anonymous true\n"
                       "persistence false\nmax_queued_messages 0\nmax_inflight_messages 0\n"
                       f"user {os.environ.get('USER', 'root')}\n"
                       f"log_dest file {work}/mosquitto.log\nlog_type error\nlog_type warning\n"
                       + ("set_tcp_nodelay true\n" if args.broker_nodelay else ""))
        broker, out = start_process([args.mosquitto, "-c", f"{work}/mosquitto.conf"],
                                    f"{work}/mosquitto.console")
        files.append(out)
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", broker_port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or broker.poll() is not None:
                    raise SystemExit("mosquitto did not start; see " + work)
                time.sleep(0.05)

        # Simulators: one process serves many meters, one port and one accepted socket each, so
        # a process needs 2 descriptors a meter; split the meters when the limit is lower.
        per_process = max(1, (nofile - 256) // 2)
        if args.meters_per_simulator:
            per_process = min(per_process, args.meters_per_simulator)
        base = free_port_range(args.meters, args.base_port)
        ports = []
        remaining = args.meters
        while remaining > 0:
            count = min(per_process, remaining)
            simulator = subprocess.Popen(
                [args.binary, "simulate", "--json", "--profile", args.profile, "--meters",
                 str(count), "--base-port", str(base + len(ports)), "--seed", str(1 + len(ports))],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            simulators.append(simulator)
            ready = json.loads(simulator.stdout.readline() or "{}")
            if ready.get("event") != "ready":
                raise SystemExit(f"simulator did not start: {ready}")
            ports += ready["ports"]
            remaining -= count
        log(f"mosquitto :{broker_port}, {len(simulators)} simulator process(es) "
            f"{[p.pid for p in simulators]}: {len(ports)} {args.profile} meters on ports "
            f"{ports[0]}..{ports[-1]}, RLIMIT_NOFILE {nofile}")

        # Gateway configuration.
        b_field = 1 if args.profile == "microstar" else 0
        connector = {"name": "Bench Meters", "type": "dlms",
                     "statisticsPeriod": int(args.stats_period * 1000),
                     "devices": [device_json(i, port, args.registers, args.period, b_field,
                                             args.profile, i < args.direct_devices)
                                 for i, port in enumerate(ports)]}
        if args.max_concurrent_polls:
            connector["maxConcurrentPolls"] = args.max_concurrent_polls
        with open(os.path.join(work, "dlms_connector.json"), "w") as f:
            json.dump(connector, f)
        if not args.cold_start:
            # The device registry as a previous run left it: the gateway then announces the
            # devices without rewriting the registry once per device (see bench/README.md).
            os.makedirs(os.path.join(work, "data"), exist_ok=True)
            with open(os.path.join(work, "data", "devices.json"), "w") as f:
                json.dump({"version": 1, "devices": [
                    {"name": d["deviceName"], "localName": d["deviceName"], "type": "Bench Meter",
                     "connector": "Bench Meters"} for d in connector["devices"]
                    if "deviceToken" not in d]}, f)
        metrics_port = free_port()
        with open(os.path.join(work, "tb_gateway.yaml"), "w") as f:
            f.write(f"thingsboard:\n  host: 127.0.0.1\n  port: {broker_port}\n  qos: 1\n"
                    "  security: {accessToken: scale-bench-gateway}\n"
                    "  statistics: {enable: true, statsSendPeriodInSeconds: 60}\n"
                    f"storage:\n  type: {args.storage}\n  data_file_path: {work}/data/data.db\n"
                    f"  max_records_count: {max(100000, 20 * args.meters)}\n"
                    + (f"  read_records_count: {args.read_records_count}\n"
                       if args.read_records_count else "") +
                    f"health: {{port: {metrics_port}}}\n"
                    "connectors:\n  - {name: Bench Meters, type: dlms, "
                    "configuration: dlms_connector.json}\n")

        # Gateway children on v1/gateway/telemetry, own-token devices on v1/devices/me/telemetry
        # (a mixed run has both; v1/+/+/telemetry would not match the gateway's topic).
        subscriber = Subscriber(broker_port, ["v1/gateway/telemetry", "v1/devices/me/telemetry"]
                                if args.direct_devices else "v1/gateway/telemetry")
        subscriber.start()

        started = time.time()
        gateway, out = start_process([args.binary, "run", "-c", work, "--log-level",
                                      args.log_level], f"{work}/gateway.log")
        files.append(out)
        log(f"gateway pid {gateway.pid}: waiting for a reading from each of {args.meters} meters")
        connect_timeout = args.connect_timeout or (60 + args.meters / 50)
        while True:
            with subscriber.lock:
                # Own-token devices are not told apart: one reading each counts them in.
                seen = len(subscriber.devices_seen) + min(subscriber.direct_readings,
                                                          args.direct_devices)
            if seen >= args.meters:
                break
            if gateway.poll() is not None:
                raise SystemExit(f"gateway exited with {gateway.returncode}; see {work}/gateway.log")
            if time.time() - started > connect_timeout:
                log(f"only {seen} of {args.meters} meters delivered within {connect_timeout:.0f} s;"
                    " measuring anyway")
                break
            time.sleep(0.5)
        all_in = time.time() - started
        log(f"{seen} meters delivering after {all_in:.1f} s; measuring {args.duration:.0f} s, "
            f"load {load_average()}")

        def cpu_now():
            return {"gateway": cpu_seconds(gateway.pid), "mosquitto": cpu_seconds(broker.pid),
                    "simulator": sum(cpu_seconds(p.pid) for p in simulators)}
        cpu_before = cpu_now()
        records_before = metric(metrics_port, "dlmsgw_uplink_records_sent_total")
        self_before = resource.getrusage(resource.RUSAGE_SELF)
        window_start = time.time()
        with subscriber.lock:
            subscriber.window = (window_start, window_start + args.duration)
        load_start = load_average()
        time.sleep(args.duration)
        window_end = time.time()
        cpu_after = cpu_now()
        records_after = metric(metrics_port, "dlmsgw_uplink_records_sent_total")
        self_after = resource.getrusage(resource.RUSAGE_SELF)
        wall = window_end - window_start
        peak_rss_kb = status_kb(gateway.pid, "VmHWM")
        threads = status_kb(gateway.pid, "Threads")
        open_files = len(os.listdir(f"/proc/{gateway.pid}/fd"))
        rss_kb = status_kb(gateway.pid, "VmRSS")
        sim_rss_kb = sum(status_kb(p.pid, "VmHWM") for p in simulators)
        load_end = load_average()
        time.sleep(0.5)  # messages received up to window_end
        with subscriber.lock:
            latencies = sorted(subscriber.latencies_ms)
            values = subscriber.values_in_window
            readings = subscriber.readings_in_window
            messages = subscriber.messages_in_window
            overruns_stats = sum(subscriber.overruns.values())
            meters_with_stats = len(subscriber.overruns)
            seen = len(subscriber.devices_seen) + min(subscriber.direct_readings,
                                                      args.direct_devices)

        with open(f"{work}/gateway.log", errors="replace") as f:
            gateway_log = f.read()
        overrun_lines = gateway_log.count("took longer than its period")
        warnings = sum(1 for line in gateway_log.splitlines() if " warning " in line)
        errors = sum(1 for line in gateway_log.splitlines() if " error " in line)

        result = {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "meters": args.meters, "registers": args.registers, "period_s": args.period,
            "profile": args.profile, "storage": args.storage, "window_s": round(wall, 1),
            "meters_delivering": seen, "all_meters_in_s": round(all_in, 1),
            "expected_values_per_s": round(args.meters * args.registers / args.period, 1),
            "values_per_s": round(values / wall, 1),
            "readings_per_s": round(readings / wall, 1),
            "messages_per_s": round(messages / wall, 1),
            "records_per_s": (round((records_after - records_before) / wall, 1)
                              if records_before is not None and records_after is not None
                              else None),
            "gateway_cpu": round((cpu_after["gateway"] - cpu_before["gateway"]) / wall, 4),
            "simulator_cpu": round((cpu_after["simulator"] - cpu_before["simulator"]) / wall, 3),
            "mosquitto_cpu": round((cpu_after["mosquitto"] - cpu_before["mosquitto"]) / wall, 3),
            "subscriber_cpu": round((self_after.ru_utime + self_after.ru_stime -
                                     self_before.ru_utime - self_before.ru_stime) / wall, 3),
            "gateway_peak_rss_mb": round(peak_rss_kb / 1024, 1),
            "direct_devices": args.direct_devices, "gateway_threads": threads,
            "gateway_open_files": open_files,
            "gateway_rss_mb": round(rss_kb / 1024, 1),
            "simulator_peak_rss_mb": round(sim_rss_kb / 1024, 1),
            "simulator_processes": len(simulators), "cold_start": args.cold_start,
            "broker_nodelay": args.broker_nodelay,
            "read_records_count": args.read_records_count or 100,
            "latency_ms": {p: (round(percentile(latencies, p), 1) if latencies else None)
                           for p in (50, 95, 99)},
            "latency_max_ms": round(latencies[-1], 1) if latencies else None,
            "overruns_stats": overruns_stats, "meters_with_stats": meters_with_stats,
            "overrun_log_lines": overrun_lines, "gateway_warnings": warnings,
            "gateway_errors": errors,
            "machine": {"nproc": os.cpu_count(), "cpu": cpu_model(),
                        "load_start": load_start, "load_end": load_end},
        }
    finally:
        if subscriber:
            subscriber.close()
        stop_process(gateway)
        for simulator in simulators:
            if simulator.poll() is None:
                simulator.send_signal(signal.SIGINT)
        for simulator in simulators:
            try:
                simulator.wait(timeout=15)
            except subprocess.TimeoutExpired:
                simulator.kill()
                simulator.wait()
        stop_process(broker)
        for f in files:
            f.close()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    if not result:
        return 1
    lat = result["latency_ms"]
    print(f"scale: {result['meters']} {result['profile']} meters x {result['registers']} "
          f"registers every {result['period_s']:g} s, {result['storage']} storage "
          f"(batches of {result['read_records_count']}), broker nodelay "
          f"{'on' if args.broker_nodelay else 'off'}, "
          f"{result['window_s']} s window ({result['date']})")
    print(f"  meters delivering   {result['meters_delivering']} (all in after "
          f"{result['all_meters_in_s']} s)")
    print(f"  register values/s   {result['values_per_s']} (expected "
          f"{result['expected_values_per_s']}); readings/s {result['readings_per_s']}; "
          f"MQTT messages/s {result['messages_per_s']}; records/s {result['records_per_s']}")
    print(f"  gateway CPU         {result['gateway_cpu']} core; peak RSS "
          f"{result['gateway_peak_rss_mb']} MB (now {result['gateway_rss_mb']} MB); threads "
          f"{result['gateway_threads']}; open files {result['gateway_open_files']}"
          + (f" ({result['direct_devices']} with their own token)"
             if result['direct_devices'] else ""))
    print(f"  simulator CPU       {result['simulator_cpu']} core "
          f"({result['simulator_processes']} process(es)); peak RSS "
          f"{result['simulator_peak_rss_mb']} MB; mosquitto CPU {result['mosquitto_cpu']}; "
          f"subscriber CPU {result['subscriber_cpu']}")
    print(f"  acquisition->broker p50 {lat[50]} ms, p95 {lat[95]} ms, p99 {lat[99]} ms, "
          f"max {result['latency_max_ms']} ms")
    print(f"  overruns            {result['overruns_stats']} (stats_overruns of "
          f"{result['meters_with_stats']} meters), {result['overrun_log_lines']} log lines; "
          f"gateway warnings {result['gateway_warnings']}, errors {result['gateway_errors']}")
    print(f"  machine             {result['machine']['nproc']} x {result['machine']['cpu']}, "
          f"load {result['machine']['load_start']} -> {result['machine']['load_end']}")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
