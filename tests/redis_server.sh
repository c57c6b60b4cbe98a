#!/bin/sh
# The Redis server of the test suite (a CTest fixture): `start DIR` runs
# redis-server on DIR/redis.sock (a unix socket: no port to collide with another
# build's suite on the same machine), `stop DIR` stops it. A missing redis-server
# fails the fixture, and with it every test that needs it: they never skip.
set -eu
action=$1
dir=$2
case $action in
start)
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis-server is not installed (apt-get install redis-server): the Redis tests need it" >&2
    exit 1
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # A server left by an interrupted run: stopped and gone before ours starts (a
  # server that exits removes its socket file, even one a new server has bound).
  if [ -f "$dir/redis.pid" ]; then
    old=$(cat "$dir/redis.pid")
    kill "$old" 2>/dev/null || true
    tries=0
    while kill -0 "$old" 2>/dev/null && [ "$tries" -lt 100 ]; do tries=$((tries + 1)); sleep 0.05; done
  fi
  rm -f "$dir/redis.sock" "$dir/redis.pid"
  redis-server --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 700 \
    --save "" --appendonly no --dir "$dir" --pidfile "$dir/redis.pid" \
    --logfile "$dir/redis.log" --daemonize yes
  # Ready when it answers (daemonize returns before the socket is bound).
  tries=0
  until [ "$(redis-cli -s "$dir/redis.sock" ping 2>/dev/null)" = PONG ]; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ]; then
      echo "redis-server did not start; see $dir/redis.log" >&2
      exit 1
    fi
    sleep 0.05
  done
  ;;
stop)
  if [ -f "$dir/redis.pid" ]; then
    redis-cli -s "$dir/redis.sock" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$dir/redis.pid")"
    rm -f "$dir/redis.pid"
  fi
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 64
  ;;
esac
