#!/bin/sh
# Writes zoo.cfg and myid for member $MY_ID from $SERVERS ("1=coordinator-1,2=coordinator-2,...") and starts it.
set -eu
: "${MY_ID:?}" "${SERVERS:?}"
DATA=/data
mkdir -p "$DATA"
echo "$MY_ID" > "$DATA/myid"
{
  echo "tickTime=${TICK_TIME:-2000}"
  echo "initLimit=10"
  echo "syncLimit=5"
  echo "dataDir=$DATA"
  echo "clientPort=2181"
  echo "clientPortAddress=0.0.0.0"
  echo "admin.serverPort=8080"
  echo "admin.serverAddress=0.0.0.0"
  echo "4lw.commands.whitelist=*"
  echo "autopurge.snapRetainCount=3"
  echo "autopurge.purgeInterval=1"
  echo "$SERVERS" | tr ',' '\n' | while IFS='=' read -r id host; do
    echo "server.$id=$host:2888:3888;2181"
  done
} > "$DATA/zoo.cfg"
exec node dist/apps/coordinator/src/main.js "$DATA/zoo.cfg"
