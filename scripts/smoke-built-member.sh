#!/usr/bin/env bash
# Smoke test of the built output: start one member with `node dist/...`, expect `imok`, stop it by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$(mktemp -d "${TMPDIR:-/tmp}/registrar-smoke.XXXXXX")"
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
printf 'tickTime=2000\ndataDir=%s\nclientPort=%s\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=ruok\n' "$dir" "$port" > "$dir/zoo.cfg"
node dist/apps/coordinator/src/main.js "$dir/zoo.cfg" > "$dir/out.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 50); do
  answer="$(node -e 'const s=require("net").connect(+process.argv[1],"127.0.0.1",()=>s.write("ruok"));let d="";s.on("data",c=>d+=c);s.on("close",()=>console.log(d));s.on("error",()=>console.log(""))' "$port")"
  if [ "$answer" = "imok" ]; then echo "built member answered imok on 127.0.0.1:$port"; exit 0; fi
  sleep 0.2
done
echo "built member did not answer; log:"; cat "$dir/out.log"; exit 1
