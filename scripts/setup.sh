#!/usr/bin/env bash
# Installs the system packages the tests use (real registry, skopeo, debootstrap, buildah for Comb's image, clamd, libyara,
# PostgreSQL, Redis, Podman, runc, containerd, Chromium for the console's browser tests). Idempotent: installs only what is missing.
set -euo pipefail
packages=(docker-registry skopeo apache2-utils openssl debootstrap buildah clamav clamav-daemon yara libyara-dev postgresql gzip zstd redis-server podman runc containerd chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Services are started by the tests themselves (on 127.0.0.1, free ports); make sure none runs from the install.
