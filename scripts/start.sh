#!/usr/bin/env bash
# `npm start`: installs what is missing, builds, then runs one update cycle. With a cluster
# configured (KUBECONFIG or ~/.kube/config) it runs against that cluster; without one it runs the
# built-in local sandbox: a real registry and a local Kubernetes API with the worked example app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-deps.sh --demo >&2
node scripts/build.mjs
if [ -n "${KUBECONFIG:-}" ] || [ -f "$HOME/.kube/config" ]; then
  exec node dist/image-updater.js run --once "$@"
fi
exec node --import tsx scripts/sandbox.ts "$@"
