#!/usr/bin/env bash
# Builds the speed benchmark's image as an OCI layout without a daemon: the Debian bookworm root filesystem
# (debootstrap from Debian's packages, scripts/debian-rootfs.sh) as the base layer, then four layers of a
# generated npm application (real package names and versions, some with published advisories, sources,
# incompressible assets and a planted credential). Deterministic: the same layout byte for byte every run.
# Usage: image.sh OUT_DIR   (prints OUT_DIR; reuses it when index.json exists)
set -euo pipefail
out="$1"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[[ -f "$out/index.json" ]] && { echo "$out"; exit 0; }
rootfs="$(bash "$repo/scripts/debian-rootfs.sh")"
tmp="$(mktemp -d "${out%/}.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/blobs/sha256" "$tmp/layers"

# A deterministic incompressible byte stream (AES in counter mode over zeros, keyed by SEED).
noise() { # SEED BYTES
  openssl enc -aes-128-ctr -nosalt -pass "pass:$1" -pbkdf2 -in /dev/zero 2>/dev/null | head -c "$2" || true
}

# A text file of one repeated line (the writer stops early on a closed pipe, hence || true).
text() { # LINE BYTES
  yes "$1" | head -c "$2" || true
}

app_layer() { # N DIR
  local n="$1" dir="$2" app="$2/srv/app"
  mkdir -p "$app/node_modules"
  case "$n" in
    1) # dependencies: package.json per module, like npm install lays them out
      local deps=(lodash:4.17.15 minimist:1.2.5 ws:7.4.0 semver:7.3.5 tar:6.1.0 node-fetch:2.6.1 express:4.17.1 axios:0.21.1
                  jsonwebtoken:8.5.1 lodash-es:4.17.15 debug:4.3.1 ms:2.1.2 qs:6.7.0 body-parser:1.19.0 cookie:0.4.0 send:0.17.1)
      local i
      for i in $(seq 0 399); do
        local spec="${deps[$((i % ${#deps[@]}))]}" name version
        name="${spec%%:*}"; version="${spec##*:}"
        [[ $i -ge ${#deps[@]} ]] && name="$name-util$i" && version="1.0.$((i % 9))"
        mkdir -p "$app/node_modules/$name/lib"
        printf '{"name":"%s","version":"%s","license":"MIT","main":"lib/index.js"}\n' "$name" "$version" >"$app/node_modules/$name/package.json"
        for f in $(seq 0 5); do
          text "module.exports.f$f = function (a, b) { return a + b * $i; };" $((8192 + (i * 37 + f * 101) % 24576)) >"$app/node_modules/$name/lib/f$f.js"
        done
      done
      printf '{"name":"speed-app","version":"1.0.0","lockfileVersion":3,"packages":{}}\n' >"$app/package-lock.json"
      ;;
    2) # built assets: incompressible, like images and minified bundles
      mkdir -p "$app/public"
      for f in $(seq 0 39); do noise "asset$f" $((1048576 + f * 4096)) >"$app/public/asset$f.bin"; done
      ;;
    3) # application sources and configuration, with a credential left behind
      mkdir -p "$app/src" "$app/config"
      for f in $(seq 0 299); do
        text "export async function handler$f(req, res) { const v = await fetch(req.url); res.json(v); }" $((4096 + f * 53)) >"$app/src/h$f.js"
      done
      printf 'AWS_ACCESS_KEY_ID=AKIAZ7QW3RTY5UIOPA2S\nAWS_SECRET_ACCESS_KEY=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\n' >"$app/config/.env"
      printf '{"name":"speed-app","version":"1.0.0","dependencies":{"lodash":"4.17.15","express":"4.17.1"}}\n' >"$app/package.json"
      ;;
    4) # a small final layer: start script
      mkdir -p "$dir/usr/local/bin"
      printf '#!/bin/sh\nexec node /srv/app/src/h0.js "$@"\n' >"$dir/usr/local/bin/start-app"
      chmod 755 "$dir/usr/local/bin/start-app"
      ;;
  esac
}

diff_ids=() layer_json=()
add_layer() { # TAR
  local tar="$1" diff blob size
  diff="sha256:$(sha256sum "$tar" | cut -d' ' -f1)"
  gzip -n -6 -c "$tar" >"$tmp/layer.gz"
  blob="$(sha256sum "$tmp/layer.gz" | cut -d' ' -f1)"
  size="$(stat -c %s "$tmp/layer.gz")"
  mv "$tmp/layer.gz" "$tmp/blobs/sha256/$blob"
  diff_ids+=("\"$diff\"")
  layer_json+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$blob\",\"size\":$size}")
}

add_layer "$rootfs"
for n in 1 2 3 4; do
  dir="$tmp/layers/$n"; mkdir -p "$dir"
  app_layer "$n" "$dir"
  tar --numeric-owner --owner=0 --group=0 --sort=name --mtime='2024-01-01 00:00:00' -C "$dir" -cf "$tmp/layers/$n.tar" .
  add_layer "$tmp/layers/$n.tar"
  rm -rf "$dir" "$tmp/layers/$n.tar"
done

join() { local IFS=,; echo "$*"; }
config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"start-app\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$(join "${diff_ids[@]}")]}}"
cdigest="$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)"
printf '%s' "$config" >"$tmp/blobs/sha256/$cdigest"
manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$cdigest\",\"size\":${#config}},\"layers\":[$(join "${layer_json[@]}")]}"
mdigest="$(printf '%s' "$manifest" | sha256sum | cut -d' ' -f1)"
printf '%s' "$manifest" >"$tmp/blobs/sha256/$mdigest"
printf '{"imageLayoutVersion":"1.0.0"}' >"$tmp/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"speed"}}]}' \
  "$mdigest" "${#manifest}" >"$tmp/index.json"
rmdir "$tmp/layers"
rm -rf "$out"; mv "$tmp" "$out"; trap - EXIT
echo "$out"
