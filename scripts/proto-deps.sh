#!/usr/bin/env bash
# Installs the third-party .proto files the contracts import (google/api,
# google/type, google/rpc ...) into proto/.deps at generation time, from the
# pinned npm package google-proto-files. Nothing third-party is copied into
# the repository by hand; proto/.deps is ignored by git.
set -euo pipefail
version="6.0.1"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/proto/.deps"
marker="$dest/node_modules/google-proto-files/package.json"
if [ -f "$marker" ] && grep -q "\"version\": \"$version\"" "$marker"; then
  exit 0
fi
command -v npm >/dev/null || { echo "proto-deps: npm is required to fetch google-proto-files" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"
npm install --silent --prefix "$dest" --no-package-lock --no-save --ignore-scripts \
  --omit=dev --no-audit --no-fund "google-proto-files@$version" >&2
test -f "$dest/node_modules/google-proto-files/google/api/annotations.proto"
