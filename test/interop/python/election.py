"""kazoo Election: 3 candidates; the leader is the first to run; when it leaves, the next one leads."""
import threading
import time

import zkcommon as c

path = "/kz-election"
leaders = []
active = {"n": 0, "max": 0}
guard = threading.Lock()
release = {i: threading.Event() for i in range(3)}
clients = [c.client() for _ in range(3)]


def lead(i):
    with guard:
        leaders.append(i)
        active["n"] += 1
        active["max"] = max(active["max"], active["n"])
    release[i].wait(30)
    with guard:
        active["n"] -= 1


def candidate(i):
    clients[i].Election(path, "candidate-%d" % i).run(lead, i)


threads = []
for i in range(3):
    t = threading.Thread(target=candidate, args=(i,))
    t.start()
    threads.append(t)
    # Start in order so candidate 0 is first in line, and the queue order is 0, 1, 2.
    time.sleep(0.3)

contenders = clients[0].Election(path).contenders()


def wait_leaders(n):
    deadline = time.time() + 15
    while time.time() < deadline:
        with guard:
            if len(leaders) >= n:
                return
        time.sleep(0.02)


wait_leaders(1)
for step in range(3):
    with guard:
        current = leaders[-1]
    release[current].set()
    if step < 2:
        wait_leaders(step + 2)
for t in threads:
    t.join(30)
for zk in clients:
    zk.stop()

c.emit({"leaders": leaders, "maxConcurrentLeaders": active["max"], "contenders": contenders})
