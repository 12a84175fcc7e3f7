#!/usr/bin/env bash
# Builds a real Debian root filesystem (debootstrap minbase) from Debian's packages and keeps it as a
# tarball in a per-machine cache, so tests and benchmarks build it once. Prints the tarball path.
set -euo pipefail
cache="${COMB_TEST_CACHE:-/var/cache/comb-test}"
suite="${1:-bookworm}"
out="$cache/debian-$suite-rootfs.tar"
if [[ -s "$out" ]]; then echo "$out"; exit 0; fi
command -v debootstrap >/dev/null || { echo "debootstrap is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror="${mirror:-http://deb.debian.org/debian}"
mkdir -p "$cache"
work=$(mktemp -d "$cache/rootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
debootstrap --variant=minbase "$suite" "$work/root" "$mirror" >"$work/log" 2>&1 || { tail -20 "$work/log" >&2; exit 1; }
rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*.bin "$work/root/var/cache/apt/archives/"*.deb
tar --numeric-owner --sort=name --mtime='2024-01-01 00:00:00' -C "$work/root" -cf "$work/rootfs.tar" .
mv "$work/rootfs.tar" "$out"
echo "$out"
