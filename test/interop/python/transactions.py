"""kazoo transactions: a committed one, and one whose middle op fails."""
import zkcommon as c
from kazoo.exceptions import RolledBackError

zk = c.client()
base = "/kz-txn"
zk.create(base, b"")

t = zk.transaction()
t.create(base + "/a", b"1")
t.create(base + "/s-", b"", sequence=True)
t.set_data(base + "/a", b"2")
t.check(base + "/a", 1)
t.create(base + "/b", b"")
t.delete(base + "/b")
ok = t.commit()
ok_summary = [r if isinstance(r, (str, bool)) else type(r).__name__ for r in ok]
data_a, stat_a = zk.get(base + "/a")

t = zk.transaction()
t.create(base + "/c", b"")
t.set_data(base + "/a", b"x", version=99)  # bad version: fails
t.delete(base + "/a")
failed = t.commit()
failed_summary = [type(r).__name__ if isinstance(r, Exception) else r for r in failed]

t = zk.transaction()
t.check(base + "/missing", 0)
t.create(base + "/d", b"")
missing = [type(r).__name__ if isinstance(r, Exception) else r for r in t.commit()]

c.emit(
    {
        "committed": ok_summary,
        "afterCommit": {"data": data_a.decode(), "version": stat_a.version},
        "failed": failed_summary,
        "firstIsRolledBack": isinstance(failed[0], RolledBackError),
        "cExists": zk.exists(base + "/c") is not None,
        "aData": zk.get(base + "/a")[0].decode(),
        "missingCheck": missing,
        "children": sorted(zk.get_children(base)),
    }
)
zk.delete(base, recursive=True)
zk.stop()
