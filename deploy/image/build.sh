#!/usr/bin/env bash
# Builds Comb's container image without a daemon: a Debian root filesystem from packages (rootfs.sh), a
# self-contained `dotnet publish` of the CLI, and buildah (vfs storage, chroot isolation, private storage root).
# Writes an OCI archive and prints its path; with --push REF also copies it to a registry.
#
#   deploy/image/build.sh [--output FILE] [--push REF] [--insecure-registry] [--cache-dir DIR]
#
# The archive is kept in the cache dir under a key of everything it is made from (sources, this directory, the
# Debian package versions), so an unchanged tree is not built twice.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${COMB_TEST_CACHE:-/var/cache/comb-test}"
output="" push="" tls=true
while (($#)); do
  case "$1" in
    --output) output="$2"; shift 2 ;;
    --push) push="$2"; shift 2 ;;
    --insecure-registry) tls=false; shift ;;
    --cache-dir) cache="$2"; shift 2 ;;
    *) echo "usage: $0 [--output FILE] [--push REF] [--insecure-registry] [--cache-dir DIR]" >&2; exit 2 ;;
  esac
done
for tool in buildah dotnet; do
  command -v "$tool" >/dev/null || { echo "build: $tool is not installed (scripts/setup.sh installs buildah)" >&2; exit 1; }
done
case "$(uname -m)" in x86_64) rid=linux-x64 ;; aarch64) rid=linux-arm64 ;; *) echo "build: unsupported machine $(uname -m)" >&2; exit 1 ;; esac

state="$cache/comb-image"
mkdir -p "$state"
# One build at a time per cache: the publish output and the incremental build tree are shared.
exec 9>"$state/.lock"
flock 9

rootfs=$(bash "$here/rootfs.sh" "$cache")
version=$(sed -n 's|.*<Version>\(.*\)</Version>.*|\1|p' "$repo/Directory.Build.props" | head -1)
revision=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
key=$( { basename "$rootfs"; echo "$rid $version"
         cd "$repo" && find src deploy/image Directory.Build.props Directory.Packages.props global.json \
           \( -name bin -o -name obj \) -prune -o -type f -print | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -c1-16)
archive="$state/comb-$key.oci.tar"
if [[ ! -s "$archive" ]]; then
  work=$(mktemp -d "$state/build.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/context"
  cp "$here/Containerfile" "$work/context/"
  ln "$rootfs" "$work/context/rootfs.tar" 2>/dev/null || cp "$rootfs" "$work/context/rootfs.tar"
  # Self-contained: the image needs no .NET install. ReadyToRun: a CI job's `comb scan` starts without JIT warm-up.
  # A separate build tree keeps this RID-specific build out of the developer's bin/obj.
  COMB_ARTIFACTS="$state/artifacts" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
    dotnet publish "$repo/src/Comb.Cli/Comb.Cli.csproj" -c Release -r "$rid" --self-contained true \
      -p:PublishReadyToRun=true -o "$work/context/comb" --nologo -v quiet "-clp:ErrorsOnly;NoSummary" >"$work/publish.log" 2>&1 \
    || { cat "$work/publish.log" >&2; exit 1; }
  store=(--root "$work/storage" --runroot "$work/run" --storage-driver vfs)
  tag="localhost/comb:$version"
  buildah "${store[@]}" bud --isolation chroot --layers --quiet \
    --build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    -f "$work/context/Containerfile" -t "$tag" "$work/context" >"$work/bud.log" 2>&1 || { cat "$work/bud.log" >&2; exit 1; }
  buildah "${store[@]}" push --quiet "$tag" "oci-archive:$work/image.tar:$tag" >/dev/null
  mv "$work/image.tar" "$archive"
  # Older archives of this cache are superseded.
  find "$state" -maxdepth 1 -name 'comb-*.oci.tar' ! -name "$(basename "$archive")" -delete
fi
if [[ -n "$output" ]]; then cp "$archive" "$output"; archive="$output"; fi
if [[ -n "$push" ]]; then
  command -v skopeo >/dev/null || { echo "build: --push needs skopeo" >&2; exit 1; }
  skopeo copy --quiet --dest-tls-verify="$tls" "oci-archive:$archive" "docker://$push" >&2
fi
echo "$archive"
