#!/usr/bin/env bash
# Builds the npm tarballs of livechat-mock into target/npm/: the platform package with the
# stripped release binary, then the wrapper, both at the version of Cargo.toml. Idempotent.
#   npm/build.sh            (from anywhere; cargo build --release must have been run)
#   LIVECHAT_MOCK_RELEASE_BINARY=path npm/build.sh   to package another binary
set -euo pipefail

npm_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$npm_dir")
out="$root/target/npm"
binary=${LIVECHAT_MOCK_RELEASE_BINARY:-$root/target/release/livechat-mock}

# The [package] version of Cargo.toml (the first `version =` after `[package]`).
version=$(awk '
  /^\[/ { in_package = ($0 == "[package]") }
  in_package && /^version[[:space:]]*=/ { gsub(/^version[[:space:]]*=[[:space:]]*"|".*$/, ""); print; exit }
' "$root/Cargo.toml")
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]]; then
  echo "npm/build.sh: no semver version in Cargo.toml's [package] (got '$version')" >&2
  exit 1
fi
if [ ! -x "$binary" ]; then
  echo "npm/build.sh: $binary is missing: run cargo build --release first" >&2
  exit 1
fi

wrapper="$npm_dir/livechat-mock"
platform_dirs=("$npm_dir/platforms/linux-x64-gnu")

# The binary into its platform package, stripped (a copy: target/release stays as cargo left it).
platform="$npm_dir/platforms/linux-x64-gnu"
mkdir -p "$platform/bin"
rm -f "$platform/bin/livechat-mock"
strip --strip-all -o "$platform/bin/livechat-mock" "$binary"
chmod 0755 "$platform/bin/livechat-mock"
got=$("$platform/bin/livechat-mock" --version)
case "$got" in
  *" $version") ;;
  *) echo "npm/build.sh: the binary says '$got', Cargo.toml says $version: rebuild it" >&2; exit 1 ;;
esac

# Versions into package.json: each platform package's own, and the wrapper's optionalDependencies.
VERSION="$version" node - "$wrapper/package.json" "${platform_dirs[@]/%//package.json}" <<'JS'
const fs = require('node:fs');
const version = process.env.VERSION;
const [wrapperFile, ...platformFiles] = process.argv.slice(2);
const write = (file, pkg) => fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
const optional = {};
for (const file of platformFiles) {
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  pkg.version = version;
  optional[pkg.name] = version;
  write(file, pkg);
}
const wrapper = JSON.parse(fs.readFileSync(wrapperFile, 'utf8'));
wrapper.version = version;
wrapper.optionalDependencies = optional;
write(wrapperFile, wrapper);
JS

# The licence and README each tarball carries.
for dir in "${platform_dirs[@]}" "$wrapper"; do
  cp "$root/LICENSE" "$dir/LICENSE"
done
cp "$npm_dir/README.md" "$wrapper/README.md"

# Pack: platform packages first (the order they are published in), then the wrapper.
mkdir -p "$out"
rm -f "$out"/livechat-mock-*.tgz "$out"/livechat-mock-linux-*.tgz
for dir in "${platform_dirs[@]}" "$wrapper"; do
  (cd "$dir" && npm pack --silent --pack-destination "$out" >/dev/null)
done
ls -l "$out"/*.tgz
