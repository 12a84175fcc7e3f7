#!/usr/bin/env bash
# Builds the root filesystem of Comb's container image from Debian packages, without a daemon and without running
# any package script: only what a self-contained .NET build of Comb needs (glibc, libstdc++, zlib, OpenSSL, libyara
# for the YARA engine), CA certificates, time zones, base-files (os-release) and dash (a /bin/sh for CI jobs).
# A dpkg status database and per-package file lists are written, so scanners (Comb too) see every package.
# Prints the path of a tarball kept in the cache and reused while the package versions stay the same.
#
#   deploy/image/rootfs.sh [CACHE_DIR]     (default $COMB_TEST_CACHE, else /var/cache/comb-test)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${1:-${COMB_TEST_CACHE:-/var/cache/comb-test}}/comb-image"
uid=65532 # the non-root user, the same id the Helm chart runs as
# Libraries, resolved with their dependencies; the rest is taken as is (their maintainer scripts are not run, so
# their dependencies on debconf or perl are not needed).
libraries=(libc6 libgcc-s1 libstdc++6 zlib1g libssl3 libyara9)
standalone=(base-files ca-certificates tzdata dash)

command -v apt-get >/dev/null || { echo "rootfs: apt-get is needed (Debian or Ubuntu host)" >&2; exit 1; }
mapfile -t resolved < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances "${libraries[@]}" | grep -E '^[a-z0-9]' | sort -u)
packages=("${resolved[@]}" "${standalone[@]}")
versions=$(apt-cache show --no-all-versions "${packages[@]}" | grep -E '^(Package|Version|Architecture):' | paste - - - | sort)
key=$( { cat "${BASH_SOURCE[0]}"; echo "$versions"; } | sha256sum | cut -c1-16)
out="$cache/rootfs-$key.tar"
if [[ -s "$out" ]]; then echo "$out"; exit 0; fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/rootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$work/debs" "$root"
(cd "$work/debs" && apt-get download -qq "${packages[@]}" >/dev/null 2>"$work/download.log") \
  || { cat "$work/download.log" >&2; echo "rootfs: apt-get download failed (run apt-get update?)" >&2; exit 1; }

# Debian 12 is merged-/usr: /bin, /lib... are links into /usr, and package contents land behind them.
mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/var/lib/dpkg/info
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
: >"$root/var/lib/dpkg/status"
for deb in "$work"/debs/*.deb; do
  dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink --no-same-permissions -C "$root"
  name=$(dpkg-deb -f "$deb" Package)
  [[ "$(dpkg-deb -f "$deb" Multi-Arch)" == same ]] && name="$name:$(dpkg-deb -f "$deb" Architecture)"
  # The status entry dpkg itself would write after installing the package.
  dpkg-deb -f "$deb" | awk '{print} /^Package:/ {print "Status: install ok installed"}' >>"$root/var/lib/dpkg/status"
  echo >>"$root/var/lib/dpkg/status"
  dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -e 's|^\./|/|' -e 's|/$||' -e 's|^$|/.|' >"$root/var/lib/dpkg/info/$name.list"
  mkdir "$work/control" && dpkg-deb -e "$deb" "$work/control"
  [[ -f "$work/control/md5sums" ]] && cp "$work/control/md5sums" "$root/var/lib/dpkg/info/$name.md5sums"
  rm -rf "$work/control"
done

# What ca-certificates' and the openssl package's scripts would have made: the bundle and OpenSSL's default paths.
find "$root/usr/share/ca-certificates" -name '*.crt' | sort | xargs cat >"$root/etc/ssl/certs/ca-certificates.crt"
mkdir -p "$root/usr/lib/ssl"
ln -s /etc/ssl/certs "$root/usr/lib/ssl/certs"
ln -s /etc/ssl/certs/ca-certificates.crt "$root/usr/lib/ssl/cert.pem"
[[ -e "$root/usr/bin/sh" ]] || ln -s dash "$root/usr/bin/sh"
ln -sf /usr/share/zoneinfo/Etc/UTC "$root/etc/localtime"
echo "Etc/UTC" >"$root/etc/timezone"

# Accounts: root and the user Comb runs as; its home and the cache directory belong to it.
cat >"$root/etc/passwd" <<PASSWD
root:x:0:0:root:/root:/usr/sbin/nologin
comb:x:$uid:$uid:Comb:/home/comb:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
PASSWD
cat >"$root/etc/group" <<GROUP
root:x:0:
comb:x:$uid:
nogroup:x:65534:
GROUP
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
mkdir -p "$root/root" "$root/home/comb" "$root/var/cache/comb" "$root/tmp"
chmod 1777 "$root/tmp"
chmod 700 "$root/root"

# Owners are written explicitly, so the tarball is the same whether or not this runs as root.
tar --numeric-owner --owner=0 --group=0 --sort=name --mtime='2024-01-01 00:00:00' -C "$root" \
  --exclude=./home/comb --exclude=./var/cache/comb -cf "$work/rootfs.tar" .
tar --numeric-owner --owner=$uid --group=$uid --sort=name --mtime='2024-01-01 00:00:00' -C "$root" \
  -rf "$work/rootfs.tar" ./home/comb ./var/cache/comb
mv "$work/rootfs.tar" "$out"
echo "$out"
