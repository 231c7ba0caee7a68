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

# count_audited STORE TYPE...: how many events of those types the SQLite store's index holds:
# its chunks' journal records (decoded as Sources/PosternAudit/README.md describes them), lines of
# the older kind (the event type in the second column) and rows from before store v7.
count_audited() {
  python3 - "$@" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
types = set(sys.argv[2:])

class Record:
    def __init__(self, b): self.b, self.at = b, 0
    def byte(self):
        self.at += 1
        return self.b[self.at - 1]
    def varint(self):
        v = shift = 0
        while True:
            c = self.byte(); v |= (c & 0x7F) << shift; shift += 7
            if c < 0x80: return v
    def skip(self, n): self.at += n
    def text(self): self.skip(self.varint())
    def texts(self):
        for _ in range(self.varint()): self.text()
    def map(self):
        for _ in range(2 * self.varint()): self.text()
    def status(self):
        ok = self.byte() == 1; self.text(); self.text(); return ok
    def opt_fixed(self):
        if self.byte(): self.skip(8)
    def id(self, version):               # version 3: 0 own ei, 1 another ei, 2 text
        if version < 3: return self.text()
        tag = self.byte()
        if tag == 1: self.varint()
        elif tag == 2: self.text()
        elif tag != 0: raise ValueError(f"unknown id form {tag}")

def unstuff(line):
    out, i = bytearray(), 0
    while i < len(line):
        if line[i] == 0x1B:
            out.append(0x0A if line[i + 1] == 1 else 0x1B); i += 2
        else:
            out.append(line[i]); i += 1
    return bytes(out)

def record_types(line):
    r = Record(unstuff(line[1:]))
    r.skip(64)
    version = r.byte()
    assert version in (2, 3), "unknown record version"
    for _ in range(3): r.text()          # sid, cluster, user
    for _ in range(5): r.text()          # database: service, protocol, uri, name, user
    r.map(); r.text(); r.text(); r.texts(); r.text(); r.text()
    r.text()                             # login
    if r.byte(): r.varint()              # os uid
    r.text()                             # client address
    for _ in range(r.varint()):
        r.varint(); r.skip(8); r.id(version)  # ei, time, uid
        tag = r.byte()
        if tag == 0: yield "db.session.start"; r.status(); [r.text() for _ in range(6)]; r.varint(); r.map()
        elif tag == 1: yield "db.session.end"; r.opt_fixed(); r.opt_fixed(); r.text(); r.text(); r.texts(); r.text()
        elif tag == 2: r.text(); r.texts(); yield "db.session.query" if r.status() else "db.session.query.failed"
        elif tag == 3: yield "db.session.postgres.statements.parse"; r.text(); r.text()
        elif tag == 4: yield "db.session.postgres.statements.bind"; r.text(); r.text(); r.texts()
        elif tag == 5: yield "db.session.postgres.statements.execute"; r.text()
        elif tag == 6: yield "db.session.postgres.statements.close"; r.text(); r.text()
        elif tag == 7: yield "db.session.postgres.function"; r.varint(); r.texts()
        elif tag == 8: yield "db.session.malformed_packet"; r.text()
        elif tag == 9:
            yield "db.session.result"; r.id(version); r.status(); r.text()
            if r.byte(): r.varint()
            r.varint(); r.text()
        else: raise ValueError(f"unknown event kind {tag}")

total = 0
tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
if "audit_chunks" in tables:
    for (lines,) in con.execute("select lines from audit_chunks"):
        for line in bytes(lines).split(b"\n"):
            if line[:1] == b"R":
                total += sum(1 for t in record_types(line) if t in types)
                continue
            fields = line.split(b"\t", 2)
            if len(fields) > 1 and fields[1].decode() in types:
                total += 1
if "audit_events" in tables:
    marks = ",".join("?" * len(types))
    total += con.execute(f"select count(*) from audit_events where event in ({marks})", sorted(types)).fetchone()[0]
print(total)
PY
}
