"""DataWatch and ChildrenWatch event sequences through kazoo."""
import threading
import time

import zkcommon as c

zk = c.client()
writer = c.client()
base = "/kz-watch"
zk.create(base, b"")

data_events = []
child_events = []
lock = threading.Lock()


def wait_for(pred, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with lock:
            if pred():
                return True
        time.sleep(0.02)
    return False


@zk.DataWatch(base + "/d")
def on_data(data, stat, event):
    with lock:
        data_events.append(
            {
                "data": None if data is None else data.decode(),
                "version": None if stat is None else stat.version,
                "event": None if event is None else event.type,
            }
        )


@zk.ChildrenWatch(base)
def on_children(children):
    with lock:
        child_events.append(sorted(children))


wait_for(lambda: len(data_events) == 1 and len(child_events) == 1)
# Each step waits for its event so that the sequence is deterministic (watches are one-shot
# underneath; kazoo re-arms them, so fast successive changes could be coalesced).
writer.create(base + "/d", b"one")
wait_for(lambda: len(data_events) == 2 and len(child_events) == 2)
writer.set(base + "/d", b"two")
wait_for(lambda: len(data_events) == 3)
writer.create(base + "/x", b"")
wait_for(lambda: len(child_events) == 3)
writer.delete(base + "/d")
wait_for(lambda: len(data_events) == 4 and len(child_events) == 4)
writer.delete(base + "/x")
wait_for(lambda: len(child_events) == 5)

# Raw one-shot watches: get with watch fires once, exists watch fires on creation.
raw = []
got = threading.Event()


def raw_watch(event):
    raw.append({"type": event.type, "path": event.path, "state": event.state})
    got.set()


zk.exists(base + "/later", watch=raw_watch)
writer.create(base + "/later", b"")
got.wait(10)
got.clear()
zk.get(base + "/later", watch=raw_watch)
writer.set(base + "/later", b"1")
got.wait(10)
got.clear()
writer.set(base + "/later", b"2")  # must NOT fire: the watch was one-shot
zk.get_children(base, watch=raw_watch)
writer.delete(base + "/later")
got.wait(10)
time.sleep(0.3)

with lock:
    summary = {"data": list(data_events), "children": list(child_events), "raw": raw}
writer.delete(base, recursive=True)
writer.stop()
zk.stop()
c.emit(summary)
