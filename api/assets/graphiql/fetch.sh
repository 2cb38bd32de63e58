#!/usr/bin/env bash
# Re-fetches the vendored GraphiQL files from the npm registry and checks
# them against SHA256SUMS. Run from anywhere: `api/assets/graphiql/fetch.sh`.
# To upgrade: change the versions here, the directory names and the paths in
# api/src/http/graphiql.rs, run with UPDATE=1, review, and commit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent graphiql@3.9.0 react@18.3.1 react-dom@18.3.1 >/dev/null
for tgz in graphiql-3.9.0 react-18.3.1 react-dom-18.3.1; do
  mkdir "$tgz" && tar -xzf "$tgz.tgz" -C "$tgz"
done
mkdir -p out/graphiql-3.9.0 out/react-18.3.1 out/react-dom-18.3.1
cp graphiql-3.9.0/package/{graphiql.min.js,graphiql.min.css,LICENSE} out/graphiql-3.9.0/
cp react-18.3.1/package/{umd/react.production.min.js,LICENSE} out/react-18.3.1/
cp react-dom-18.3.1/package/{umd/react-dom.production.min.js,LICENSE} out/react-dom-18.3.1/
if [ "${UPDATE:-}" = 1 ]; then
  cp -r out/* "$here/"
  (cd "$here" && sha256sum */* > SHA256SUMS)
  echo "updated $here; review the diff"
else
  (cd out && sha256sum -c --quiet "$here/SHA256SUMS")
  (cd "$here" && sha256sum -c --quiet SHA256SUMS)
  echo "the vendored files match the npm packages and SHA256SUMS"
fi
