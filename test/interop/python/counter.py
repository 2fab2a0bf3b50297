"""kazoo Counter: concurrent increments from 4 clients must all count (it retries on BadVersion)."""
import threading

import zkcommon as c

path = "/kz-counter"
N, PER = 4, 10
clients = [c.client() for _ in range(N)]
errors = []


def bump(zk):
    try:
        counter = zk.Counter(path)
        for _ in range(PER):
            counter += 1
    except Exception as err:  # noqa: BLE001 - reported in the summary
        errors.append(repr(err))


threads = [threading.Thread(target=bump, args=(zk,)) for zk in clients]
for t in threads:
    t.start()
for t in threads:
    t.join(60)
counter = clients[0].Counter(path)
value = counter.value
counter -= 5
after = counter.value
fcounter = clients[0].Counter(path + "-float", default=0.0)
fcounter += 2.5
raw, _ = clients[0].get(path)
summary = {"value": value, "afterDecrement": after, "float": fcounter.value, "raw": raw.decode(), "errors": errors}
for zk in clients:
    zk.stop()
c.emit(summary)
