#!/usr/bin/env python3
"""The start-up alone: `dlmsgw run` with an N-device dlms_connector.json as scale_bench.py writes it
(microstar, 10 registers), no broker or meter listening, stopped with SIGTERM after S seconds.

    bench/scale/startup_peak.py <dlmsgw> [meters=10000] [seconds=8]
    WRAP="heaptrack -o /tmp/ht" bench/scale/startup_peak.py <dlmsgw> 10000 20

Prints /usr/bin/time -v's peak RSS (or what the WRAP command prints)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale_bench  # noqa: E402

binary = sys.argv[1]
meters = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 8
work = tempfile.mkdtemp(prefix="dlmsgw_startup_")
connector = {"name": "Bench Meters", "type": "dlms", "statisticsPeriod": 60000,
             "devices": [scale_bench.device_json(i, 40000 + i % 20000, 10, 15, 1, "microstar")
                         for i in range(meters)]}
with open(os.path.join(work, "dlms_connector.json"), "w") as f:
    json.dump(connector, f)
with open(os.path.join(work, "tb_gateway.yaml"), "w") as f:
    f.write("thingsboard:\n  host: 127.0.0.1\n  port: 1\n  qos: 1\n"
            "  security: {accessToken: scale-bench-gateway}\n"
            "storage:\n  type: memory\n  max_records_count: 200000\n"
            "health: {enabled: false}\n"
            "connectors:\n  - {name: Bench Meters, type: dlms, configuration: dlms_connector.json}\n")
wrapper = os.environ.get("WRAP", "/usr/bin/time -v").split()
process = subprocess.Popen(wrapper + [binary, "run", "-c", work, "--log-level", "warn"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
time.sleep(seconds)
children = subprocess.run(["pgrep", "-a", "-P", str(process.pid)], capture_output=True,
                          text=True).stdout.splitlines()
for line in children:
    if binary in line:
        os.kill(int(line.split()[0]), signal.SIGTERM)
err = process.communicate(timeout=60)[1]
print("\n".join(line.strip() for line in err.splitlines()
                if "Maximum resident" in line or "heaptrack stats" in line or "peak" in line))
print("connector file bytes", os.path.getsize(os.path.join(work, "dlms_connector.json")))
shutil.rmtree(work, ignore_errors=True)
