#!/usr/bin/env bash
# Fetches Debian trixie's nats-server 2.10.x (supports `sync_interval: always`; bookworm's 2.9.10
# never fsyncs JetStream) into .definite/nats-2.10/ of the project, without enabling trixie
# system-wide: apt-get reads scripts/apt/trixie.list only, keeps its lists in a private directory,
# and `apt-get download` + `dpkg-deb -x` install nothing. Idempotent: exits at once when the binary
# is there. Prints the binary's path. Tests of the JetStream shard backend use it when present
# (runtime/nats-server.ts, findNatsServer210), and fall back to the installed server otherwise.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.definite/nats-2.10"
bin="$dest/usr/sbin/nats-server"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
apt_opts=(
  -o "Dir::Etc::sourcelist=$root/scripts/apt/trixie.list"
  -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache"
  -o "Dir::State::status=/var/lib/dpkg/status"
  -o "APT::Get::List-Cleanup=0"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
  -o "Acquire::Retries=0"
  -o "Acquire::http::Timeout=20"
)
apt-get "${apt_opts[@]}" update -qq >&2
version="$(apt-cache "${apt_opts[@]}" madison nats-server | awk '$3 ~ /^2\.10\./ { print $3; exit }')"
if [ -z "$version" ]; then echo "fetch-nats-2.10: no nats-server 2.10.* in trixie" >&2; exit 1; fi
(cd "$work" && apt-get "${apt_opts[@]}" download "nats-server=$version" >&2)
mkdir -p "$dest"
dpkg-deb -x "$work"/nats-server_*.deb "$dest"
"$bin" --version >&2
echo "$bin"
