"""Digest ACLs: make_digest_acl, NoAuthError for others, auth scheme via CREATOR_ALL_ACL."""
from kazoo.security import make_digest_acl, make_digest_acl_credential, CREATOR_ALL_ACL, OPEN_ACL_UNSAFE

import zkcommon as c

owner = c.client(auth_data=[("digest", "alice:secret")])
base = "/kz-acl"
acl = make_digest_acl("alice", "secret", all=True)
owner.create(base, b"private", acl=[acl])
out = {"credential": make_digest_acl_credential("alice", "secret")}
data, _ = owner.get(base)
out["ownerRead"] = data.decode()
acls, stat = owner.get_acls(base)
out["acls"] = [{"perms": a.perms, "scheme": a.id.scheme, "id": a.id.id} for a in acls]
out["aversion"] = stat.aversion

stranger = c.client()
out["strangerGet"] = c.error_name(lambda: stranger.get(base))
out["strangerSet"] = c.error_name(lambda: stranger.set(base, b"x"))
out["strangerGetAcls"] = c.error_name(lambda: stranger.get_acls(base))
out["strangerCreateChild"] = c.error_name(lambda: stranger.create(base + "/child", b""))
out["strangerExists"] = stranger.exists(base) is not None

wrong = c.client(auth_data=[("digest", "alice:wrong")])
out["wrongPasswordGet"] = c.error_name(lambda: wrong.get(base))

# CREATOR_ALL_ACL is the "auth" scheme: the server substitutes the creator's authenticated ids.
owner.create(base + "-creator", b"c", acl=CREATOR_ALL_ACL)
stranger.sync(base)
cacls, _ = owner.get_acls(base + "-creator")
out["creatorAcls"] = [{"perms": a.perms, "scheme": a.id.scheme, "id": a.id.id} for a in cacls]
out["strangerCreatorGet"] = c.error_name(lambda: stranger.get(base + "-creator"))
# Unauthenticated CREATOR_ALL_ACL is invalid.
out["unauthCreatorAcl"] = c.error_name(lambda: stranger.create("/kz-acl-bad", b"", acl=CREATOR_ALL_ACL))

# Late add_auth grants access.
stranger.add_auth("digest", "alice:secret")
out["afterAddAuth"] = stranger.get(base)[0].decode()

owner.set_acls(base, OPEN_ACL_UNSAFE)
wrong.sync(base)  # wrong may sit on another ensemble member than owner
out["strangerReadAfterOpen"] = wrong.get(base)[0].decode()
out["setAclsBadVersion"] = c.error_name(lambda: owner.set_acls(base, OPEN_ACL_UNSAFE, version=0))

owner.delete(base)
owner.delete(base + "-creator")
for zk in (owner, stranger, wrong):
    zk.stop()
c.emit(out)
