"""kazoo Lock against our Lock on one path.

kazoo 2.8 orders contenders by the 10-digit suffix after a marker and, by default, only counts
children named "<uuid>__lock__<seq>" as contenders; our nodes are Curator-style
"_c_<uuid>-lock-<seq>", so kazoo must be told `extra_lock_patterns=["-lock-"]` (the option kazoo
added for Curator interop). Our Lock counts "__lock__" nodes by default.

Modes (argv[2]):
  contend <lockPath> <logFile> <threads> <rounds> <deadlineEpochS>
      each thread: own session, loop acquire -> log "enter/exit <czxid> py.<i>" (O_APPEND) -> release
  hold <lockPath>
      acquire, print {"event": "held", "token": czxid}, wait for a stdin line, release, print summary
  probe <lockPath>
      while another process holds the lock with a Curator-style node: can kazoo acquire within 1 s
      with and without extra_lock_patterns?
Always prints one JSON summary as its last line.
"""
import json
import os
import sys
import threading
import time

from kazoo.exceptions import LockTimeout

import zkcommon as c

PATTERNS = ["-lock-"]
mode = sys.argv[2]
lock_path = sys.argv[3]


def token_of(zk, lock):
    return zk.exists(lock_path + "/" + lock.node).czxid


def log_line(fd, kind, token, who):
    os.write(fd, ("%s %d %s\n" % (kind, token, who)).encode())


if mode == "contend":
    log_file, threads, rounds, deadline = sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
    fd = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    counts = [0] * threads
    errors = []

    def worker(i):
        try:
            zk = c.client()
            lock = zk.Lock(lock_path, "py.%d" % i, extra_lock_patterns=PATTERNS)
            while counts[i] < rounds and time.time() < deadline:
                lock.acquire(timeout=30)
                token = token_of(zk, lock)
                log_line(fd, "enter", token, "py.%d" % i)
                counts[i] += 1
                log_line(fd, "exit", token, "py.%d" % i)
                lock.release()
            zk.stop()
            zk.close()
        except Exception as err:  # noqa: BLE001 - reported in the summary
            errors.append(repr(err))

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(json.dumps({"acquired": sum(counts), "errors": errors}))
elif mode == "hold":
    zk = c.client()
    lock = zk.Lock(lock_path, "py-holder", extra_lock_patterns=PATTERNS)
    lock.acquire(timeout=30)
    print(json.dumps({"event": "held", "token": token_of(zk, lock), "node": lock.node}), flush=True)
    sys.stdin.readline()
    lock.release()
    zk.stop()
    zk.close()
    print(json.dumps({"event": "released"}), flush=True)
elif mode == "probe":
    zk = c.client()
    result = {}
    for name, patterns in (("withPatterns", PATTERNS), ("withoutPatterns", [])):
        lock = zk.Lock(lock_path, "py-probe", extra_lock_patterns=patterns)
        try:
            result[name] = lock.acquire(timeout=1)
            lock.release()
        except LockTimeout:
            result[name] = False
    zk.stop()
    zk.close()
    print(json.dumps(result))
else:
    sys.exit("unknown mode " + mode)
