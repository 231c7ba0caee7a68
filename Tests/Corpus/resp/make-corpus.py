#!/usr/bin/env python3
"""Writes the RESP fuzz corpus beside this script: hand-made abuse cases plus seeded random
mutations of valid messages. Re-running gives the same files (fixed seed)."""
import os, random

here = os.path.dirname(os.path.abspath(__file__))
cases = {
    "huge-bulk": b"$99999999999\r\n",
    "huge-bulk-int64": b"$9223372036854775807\r\nabc",
    "overflow-int": b":99999999999999999999999\r\n",
    "negative-bulk": b"$-2\r\n",
    "negative-array": b"*-5\r\n",
    "huge-array": b"*2147483647\r\n$1\r\na\r\n",
    "huge-map": b"%4611686018427387904\r\n",
    "deep-nesting": b"*1\r\n" * 5000 + b":1\r\n",
    "deep-push": b">1\r\n" * 100 + b"+x\r\n",
    "deep-attribute": b"|1\r\n+k\r\n" * 100 + b"+v\r\n",
    # Over a MiB of attributes, each annotating the next: as deep as it is long once decoded.
    "chained-attributes": b"|1\r\n:1\r\n:1\r\n" * ((1 << 20) // 12 + 1) + b":1\r\n",
    "unknown-type": b"@hello\r\n",
    "bare-lf": b"+OK\n",
    "cr-without-lf": b"+OK\rX",
    "bulk-no-crlf": b"$3\r\nabcXY",
    "bulk-short": b"$10\r\nabc\r\n",
    "long-line": b"+" + b"a" * 70000 + b"\r\n",
    "long-header": b"$" + b"1" * 5000 + b"\r\n",
    "bad-double": b",1.2.3x\r\n",
    "bad-boolean": b"#x\r\n",
    "bad-null": b"_x\r\n",
    "bad-verbatim": b"=3\r\nabc\r\n",
    "bad-bignum": b"(12a\r\n",
    "empty-int": b":\r\n",
    "minus-only": b":-\r\n",
    "nul-bytes": b"\x00\x00\x00\x00",
    "binary-garbage": bytes(range(256)),
    "inline-unbalanced": b'SET "a b\r\n',
    "inline-quote-glued": b'SET "a"b c\r\n',
    "inline-huge": b"GET " + b"k" * 70000,
    "command-non-bulk": b"*2\r\n$3\r\nGET\r\n:1\r\n",
    "command-huge-count": b"*99999999999\r\n",
    "command-bad-count": b"*abc\r\n",
    "command-bulk-overflow": b"*1\r\n$99999999999999999999\r\n",
    "command-no-crlf": b"*1\r\n$3\r\nGETXX",
    "stream-string": b"$?\r\n;4\r\nHell\r\n;0\r\n",
}
valid = [
    b"+OK\r\n", b"-ERR wrong\r\n", b":42\r\n", b"$5\r\nhello\r\n", b"$-1\r\n", b"*-1\r\n", b"_\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", b"%1\r\n+a\r\n:1\r\n", b"~2\r\n:1\r\n:2\r\n",
    b",3.14\r\n", b",-inf\r\n", b"#t\r\n", b"(3492890328409238509324850943850943825024385\r\n",
    b"=15\r\ntxt:Some string\r\n", b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\nhey\r\n",
    b"|1\r\n+ttl\r\n:3600\r\n$3\r\nval\r\n", b"!21\r\nSYNTAX invalid syntax\r\n",
    b"GET key\r\n", b'SET k "a\\x41b"\r\n',
]
for name, data in cases.items():
    with open(os.path.join(here, "abuse-" + name + ".bin"), "wb") as f:
        f.write(data)
rng = random.Random(5)
for n in range(40):
    msg = bytearray(b"".join(rng.choice(valid) for _ in range(rng.randint(1, 6))))
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(4)
        pos = rng.randrange(len(msg) + 1)
        if op == 0 and msg:
            msg[min(pos, len(msg) - 1)] = rng.randrange(256)
        elif op == 1:
            msg[pos:pos] = bytes(rng.choice(b"\r\n*$:-+%~>|_,#(=!0123456789") for _ in range(rng.randint(1, 4)))
        elif op == 2 and msg:
            del msg[pos:pos + rng.randint(1, 4)]
        else:
            msg[pos:pos] = rng.choice(valid)
    with open(os.path.join(here, "random-%02d.bin" % n), "wb") as f:
        f.write(bytes(msg))
