"""kazoo Lock contended by N threads, each with its own client (session); counts overlaps."""
import sys
import threading
import time

import zkcommon as c

THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 4
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 5
path = "/kz-lock"
state = {"holders": 0, "maxHolders": 0, "overlaps": 0, "acquired": 0}
guard = threading.Lock()
order = []
errors = []


def worker(i):
    try:
        zk = c.client()
        lock = zk.Lock(path, "worker-%d" % i)
        for _ in range(ROUNDS):
            with lock:
                with guard:
                    state["holders"] += 1
                    state["acquired"] += 1
                    if state["holders"] > 1:
                        state["overlaps"] += 1
                    state["maxHolders"] = max(state["maxHolders"], state["holders"])
                    order.append(i)
                time.sleep(0.01)
                with guard:
                    state["holders"] -= 1
        zk.stop()
        zk.close()
    except Exception as err:  # noqa: BLE001 - reported in the summary
        errors.append(repr(err))


threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join(120)

zk = c.client()
leftover = zk.get_children(path) if zk.exists(path) else []
contenders_probe = zk.Lock(path).contenders()
zk.stop()
c.emit(
    {
        "threads": THREADS,
        "rounds": ROUNDS,
        "acquired": state["acquired"],
        "overlaps": state["overlaps"],
        "maxHolders": state["maxHolders"],
        "distinctHolders": len(set(order)),
        "leftoverNodes": leftover,
        "contendersAfter": contenders_probe,
        "errors": errors,
    }
)
