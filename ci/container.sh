#!/usr/bin/env bash
# Builds the container image and checks it without a container daemon: the static binary is
# built on the host with the Dockerfile's command, the image FROM scratch with buildah
# (Debian), then its root filesystem is mounted and the binary run from it with chroot:
# --version, and a real request answered 200 with the spec page's visitor. The image must stay
# under 15 MB, and Dockerfile's final stage must be Dockerfile.prebuilt's.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v buildah >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah >/dev/null
fi

diff <(sed -n '/^FROM scratch/,$p' Dockerfile | sed 's|^COPY --from=builder /out/livechat-mock|COPY livechat-mock|') \
     <(sed -n '/^FROM scratch/,$p' Dockerfile.prebuilt) \
  || { echo "Dockerfile and Dockerfile.prebuilt differ in their final stage"; exit 1; }

RUSTFLAGS="-C target-feature=+crt-static" \
  cargo build --quiet --locked --profile container --target x86_64-unknown-linux-gnu --no-default-features --features cli,tls
context=$(mktemp -d)
cp target/x86_64-unknown-linux-gnu/container/livechat-mock "$context/"
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
buildah bud --quiet -f Dockerfile.prebuilt -t livechat-mock:ci "$context" >/dev/null
container=$(buildah from livechat-mock:ci)
root=$(buildah mount "$container")
# A container runtime gives every container a /dev (the random source among it); chroot does
# not, so the host's is bound in for the run (in the working container, not the image).
mkdir -p "$root/dev"
mount --bind /dev "$root/dev"
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
  umount "$root/dev" 2>/dev/null || true
  buildah umount "$container" >/dev/null 2>&1 || true
  buildah rm "$container" >/dev/null 2>&1 || true
}
trap cleanup EXIT

bytes=$(du -sb --exclude=dev "$root" | cut -f1)
echo "image root filesystem: $bytes bytes"
[ "$bytes" -lt $((15 * 1024 * 1024)) ] || { echo "the image is not under 15 MB"; exit 1; }
buildah inspect --format 'user {{.OCIv1.Config.User}}, ports {{.OCIv1.Config.ExposedPorts}}, env {{.OCIv1.Config.Env}}' livechat-mock:ci; echo

version=$(chroot "$root" /livechat-mock --version)
echo "from the image: $version"
[[ "$version" == livechat-mock\ * ]]

out=$(mktemp)
chroot --userspec=65534:65534 "$root" /livechat-mock --host 127.0.0.1 --port 0 >"$out" 2>/dev/null &
pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$out" && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$out")
[ -n "$url" ] || { echo "the binary from the image did not start"; exit 1; }
body=$(curl -sf -H 'X-User-Id: rbAXPnMktTFbNpwtJ' -H 'X-Auth-Token: RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f' \
  "$url/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70")
echo "$body" | grep -q '"name":"Postman Test Visitor"' || { echo "unexpected body: $body"; exit 1; }
echo "a real request from the image's binary (as uid 65534): 200 $body"
