# Usage: python3 bench/health/health_flood.py DLMSGW_BINARY CONFIG_DIR
# Starts `dlmsgw run -c CONFIG_DIR` (its tb_gateway.yaml needs health: {port: 0}), opens 200 slow
# partial-header connections and 1,000 idle ones to its health endpoint, as any local user could,
# then times 5 GET /health probes (30 s timeout each). A 503 is an answer: no broker is needed.
import re, socket, subprocess, sys, threading, time
proc = subprocess.Popen([sys.argv[1], "run", "-c", sys.argv[2]], stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT, text=True)
port = None
for line in proc.stdout:
    m = re.search(r"health endpoint on http://127\.0\.0\.1:(\d+)", line)
    if m: port = int(m.group(1)); break
threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
stop = False
def slow():
    s = socket.create_connection(("127.0.0.1", port))
    msg = b"GET /health HTTP/1.1\r\nX-Slow: "
    i = 0
    while not stop:
        try: s.send(msg[i % len(msg):i % len(msg) + 1])
        except OSError:
            try: s = socket.create_connection(("127.0.0.1", port))  # reconnect like an attacker
            except OSError: pass
        i += 1; time.sleep(0.05)
for _ in range(200): threading.Thread(target=slow, daemon=True).start()
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(1000)]
time.sleep(1)
for n in range(5):
    t = time.monotonic()
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=30)
        c.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        data = c.recv(100)
        status = data.split(b"\r\n")[0].decode()
    except OSError as e:
        status = "error: %s" % e
    print("probe %d: %.3f s  %s" % (n, time.monotonic() - t, status), flush=True)
stop = True
proc.terminate(); proc.wait()
