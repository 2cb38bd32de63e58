#!/usr/bin/env bash
# Re-fetches the vendored DejaVu Sans fonts from Debian's `fonts-dejavu-core`
# package and checks them against SHA256SUMS. Run from anywhere:
# `correspondence/assets/fonts/fetch.sh` (needs `apt-get download`, so a
# Debian or Ubuntu machine after `apt-get update`).
# To upgrade: change the version here, run with UPDATE=1, review, and commit.
set -euo pipefail
version=2.37-6
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # apt-get download writes as the _apt user where it can
cd "$work"
apt-get download -qq "fonts-dejavu-core=$version" 2>/dev/null
dpkg-deb -x "fonts-dejavu-core_${version}_all.deb" pkg
mkdir out
cp pkg/usr/share/fonts/truetype/dejavu/{DejaVuSans.ttf,DejaVuSans-Bold.ttf} out/
cp pkg/usr/share/doc/fonts-dejavu-core/copyright out/LICENSE
if [ "${UPDATE:-}" = 1 ]; then
  cp out/* "$here/"
  (cd "$here" && sha256sum DejaVuSans.ttf DejaVuSans-Bold.ttf LICENSE > SHA256SUMS)
  echo "updated $here; review the diff"
else
  (cd out && sha256sum -c --quiet "$here/SHA256SUMS")
  (cd "$here" && sha256sum -c --quiet SHA256SUMS)
  echo "the vendored fonts match Debian's fonts-dejavu-core $version and SHA256SUMS"
fi
