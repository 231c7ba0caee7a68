# Shared by scripts/bench and scripts/bench-redis (sourced).

# wait_idle PID: returns once the process has used no CPU for 100 ms (Postern's audit index has
# caught up with what its journal holds) and prints how long that took, in seconds.
wait_idle() {
  python3 - "$1" <<'PY'
import os, sys, time
pid = sys.argv[1]
tick = os.sysconf("SC_CLK_TCK")
def cpu():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
start = time.monotonic()
prev = cpu()
while True:
    time.sleep(0.1)
    cur = cpu()
    if cur == prev:
        break
    prev = cur
print(f"{max(time.monotonic() - start - 0.1, 0):.2f}")
PY
}

# cpu_ticks PID: the process's user + system CPU so far, in clock ticks.
cpu_ticks() {
  python3 -c 'import sys; f=open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")", 1)[1].split(); print(int(f[11]) + int(f[12]))' "$1"
}

# count_audited STORE TYPE...: how many events of those types the SQLite store's index holds
# (its chunks' journal lines, the event type in each line's second column; rows from before
# store v7 too).
count_audited() {
  python3 - "$@" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
types = set(sys.argv[2:])
total = 0
tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
if "audit_chunks" in tables:
    for (lines,) in con.execute("select lines from audit_chunks"):
        for line in bytes(lines).split(b"\n"):
            fields = line.split(b"\t", 2)
            if len(fields) > 1 and fields[1].decode() in types:
                total += 1
if "audit_events" in tables:
    marks = ",".join("?" * len(types))
    total += con.execute(f"select count(*) from audit_events where event in ({marks})", sorted(types)).fetchone()[0]
print(total)
PY
}
