"""Shared helpers for the kazoo interop scripts: connect, print one JSON summary, map errors to names."""
import json
import logging
import sys

from kazoo.client import KazooClient

logging.basicConfig(level=logging.CRITICAL)


def hosts():
    if len(sys.argv) < 2:
        sys.exit("usage: %s <connect-string> [args]" % sys.argv[0])
    return sys.argv[1]


def client(**kwargs):
    """A started KazooClient for the connect string in argv[1]."""
    zk = KazooClient(hosts=hosts(), timeout=10.0, **kwargs)
    zk.start(timeout=15)
    # Against an ensemble a new session may land on a member that is behind other sessions' writes
    # (ZooKeeper only orders a session's own view); sync first, as every script reads others' writes.
    zk.sync("/")
    return zk


def error_name(fn):
    """Runs fn and returns the kazoo exception class name it raised, or None."""
    try:
        fn()
    except Exception as err:  # noqa: BLE001 - the name is the result
        return type(err).__name__
    return None


def stat_dict(stat):
    return {
        "version": stat.version,
        "cversion": stat.cversion,
        "aversion": stat.aversion,
        "dataLength": stat.dataLength,
        "numChildren": stat.numChildren,
        "ephemeralOwnerIsZero": stat.ephemeralOwner == 0,
        "czxidIsMzxid": stat.czxid == stat.mzxid,
    }


def emit(summary):
    """Prints the JSON summary the vitest spec parses (always the last stdout line)."""
    sys.stdout.write(json.dumps(summary, sort_keys=True) + "\n")
    sys.stdout.flush()
