"""CRUD, sequential and ephemeral nodes through kazoo."""
from kazoo.client import KazooClient

import zkcommon as c

zk = c.client()
out = {}
base = "/kz-crud"
out["create"] = zk.create(base, b"v0")
out["createExisting"] = c.error_name(lambda: zk.create(base, b"x"))
out["createNoParent"] = c.error_name(lambda: zk.create("/kz-nope/child", b"x"))
out["createMakepath"] = zk.create(base + "/a/b/c", b"deep", makepath=True)
data, stat = zk.get(base)
out["get"] = {"data": data.decode(), "stat": c.stat_dict(stat)}
out["setStat"] = c.stat_dict(zk.set(base, b"v1", version=0))
out["setBadVersion"] = c.error_name(lambda: zk.set(base, b"v2", version=0))
out["setMissing"] = c.error_name(lambda: zk.set(base + "/missing", b"x"))
out["existsMissing"] = zk.exists(base + "/missing")
out["children"] = sorted(zk.get_children(base))
children, cstat = zk.get_children(base, include_data=True)
out["childrenWithStat"] = {"children": sorted(children), "numChildren": cstat.numChildren}
out["deleteNotEmpty"] = c.error_name(lambda: zk.delete(base))
out["deleteBadVersion"] = c.error_name(lambda: zk.delete(base + "/a/b/c", version=5))
out["deleteMissing"] = c.error_name(lambda: zk.delete(base + "/missing"))
zk.delete(base + "/a", recursive=True)
out["afterRecursiveDelete"] = zk.get_children(base)

# Sequential: suffix is %010d of the parent's cversion; parent is fresh so 0, 1, 2.
seqs = [zk.create(base + "/seq-", b"", sequence=True) for _ in range(3)]
out["sequential"] = seqs
zk.delete(seqs[2])
out["sequentialAfterDelete"] = zk.create(base + "/seq-", b"", sequence=True)

# include_data=True uses create2 and returns the Stat.
path, st = zk.create(base + "/with-stat", b"abc", include_data=True)
out["create2"] = {"path": path, "stat": c.stat_dict(st)}

# Ephemeral and ephemeral-sequential owned by a second client that then stops.
other = c.client()
eph = other.create(base + "/eph", b"e", ephemeral=True)
eseq = other.create(base + "/eseq-", b"e", ephemeral=True, sequence=True)
zk.sync(base)  # zk may sit on another ensemble member than `other`
_, estat = zk.get(eph)
out["ephemeralOwnerMatches"] = estat.ephemeralOwner == other.client_id[0]
out["ephemeralChildForbidden"] = c.error_name(lambda: other.create(eph + "/child", b""))
out["ephemeralsBeforeStop"] = sorted(p for p in zk.get_children(base) if p.startswith("e"))
other.stop()
other.close()
zk.sync(base)
out["ephemeralsAfterStop"] = sorted(p for p in zk.get_children(base) if p.startswith("e"))
out["eseqName"] = eseq

zk.delete(base, recursive=True)
out["baseGone"] = zk.exists(base) is None
zk.stop()
zk.close()
c.emit(out)
