#!/usr/bin/env bash
# Installs what the interop, e2e and browser suites need on Debian 12: Apache ZooKeeper 3.8 (Debian package),
# python3-kazoo, chromium, PostgreSQL server binaries (tests start throwaway clusters), a headless JRE; then node_modules if missing. Idempotent: installs only what
# is missing, runs `apt-get update` only when something must be installed. Run as root (or via sudo).
set -euo pipefail

cd "$(dirname "$0")/.."
did=()

apt_get() {
  if [ "$(id -u)" -eq 0 ]; then apt-get "$@"; else sudo apt-get "$@"; fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for pkg in zookeeper python3-kazoo chromium postgresql; do
  installed "$pkg" || missing+=("$pkg")
done
# zookeeper depends on a JRE through default-jre-headless | java-runtime; make sure one is there.
if ! command -v java >/dev/null 2>&1 && ! installed default-jre-headless; then
  missing+=(default-jre-headless)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-test-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends "${missing[@]}"
  did+=("apt-get install ${missing[*]}")
else
  echo "install-test-deps: Debian packages already present (zookeeper python3-kazoo chromium postgresql)"
fi

# Debian's package enables a system zookeeper service; tests start their own servers on free ports,
# so a running system service is harmless, but say so.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet zookeeper 2>/dev/null; then
  echo "install-test-deps: note: the system zookeeper service is running (tests do not use it)"
fi

fail=0
check() { # name, command...
  local name="$1"; shift
  local out
  if out="$("$@" 2>&1 | head -n 1)"; then echo "  $name: $out"; else echo "  $name: MISSING ($out)"; fail=1; fi
}
echo "install-test-deps: versions"
check zookeeper dpkg-query -W -f='${Version}' zookeeper
check java bash -c 'java -version 2>&1 | head -n 1'
check zookeeper.jar bash -c "test -r /usr/share/java/zookeeper.jar && echo /usr/share/java/zookeeper.jar"
check zkCli.sh bash -c "test -x /usr/share/zookeeper/bin/zkCli.sh && echo /usr/share/zookeeper/bin/zkCli.sh"
check kazoo /usr/bin/python3 -c 'import kazoo.version as v; print(v.__version__ if hasattr(v, "__version__") else "ok")'
check chromium bash -c 'chromium --version 2>/dev/null || command -v chromium'
check postgresql bash -c 'ls -d /usr/lib/postgresql/*/bin/initdb | tail -n 1'
check node node --version

zkver="$(dpkg-query -W -f='${Version}' zookeeper 2>/dev/null || true)"
case "$zkver" in
  3.8.*) ;;
  *) echo "install-test-deps: expected Debian zookeeper 3.8.x, found '${zkver:-none}'"; fail=1 ;;
esac

if [ ! -d node_modules ]; then
  # `npm install` with the committed lockfile, not `npm ci`: the registry reachable here serves no
  # foreign-platform optional packages (@swc/core-darwin-*, ...), so no lockfile can list them and
  # `npm ci` refuses it as "out of sync". `npm install` keeps every locked version.
  echo "install-test-deps: node_modules missing, running npm install (locked versions)"
  npm install --no-audit --no-fund
  did+=("npm install")
fi

if [ "${#did[@]}" -eq 0 ]; then
  echo "install-test-deps: nothing to do"
else
  echo "install-test-deps: did: ${did[*]}"
fi
exit "$fail"
