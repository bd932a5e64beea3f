#!/usr/bin/env bash
# Installs what the tests need and the machine lacks: Node packages, Debian's docker-registry
# (the CNCF distribution registry) and openssl, and the Python AWS tools (moto_server, the AWS CLI,
# cfn-lint). Safe to run again: it only installs what is missing. `--demo` installs only what the
# local sandbox of `npm start` needs.
set -euo pipefail
cd "$(dirname "$0")/.."
demo_only=false
[ "${1:-}" = "--demo" ] && demo_only=true

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing_debs=()
command -v docker-registry >/dev/null || missing_debs+=(docker-registry)
command -v openssl >/dev/null || missing_debs+=(openssl)
command -v git >/dev/null || missing_debs+=(git)
if [ "$demo_only" = false ]; then
  command -v unzip >/dev/null || missing_debs+=(unzip)
  command -v unshare >/dev/null || missing_debs+=(util-linux)
fi
if [ ${#missing_debs[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing_debs[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing_debs[@]}" >/dev/null
fi
# The package starts a registry service on :5000 where an init system runs; the tests start their own.
if command -v systemctl >/dev/null && systemctl is-active --quiet docker-registry 2>/dev/null; then
  as_root systemctl stop docker-registry || true
fi

[ "$demo_only" = true ] && exit 0

missing_py=()
command -v moto_server >/dev/null || missing_py+=("moto[server]")
command -v aws >/dev/null || missing_py+=(awscli)
command -v cfn-lint >/dev/null || missing_py+=(cfn-lint)
if [ ${#missing_py[@]} -gt 0 ]; then
  echo "installing Python tools: ${missing_py[*]}"
  python3 -m pip install --quiet "${missing_py[@]}" || {
    echo "pip could not install ${missing_py[*]}; trying Debian's packages" >&2
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-moto awscli cfn-lint >/dev/null || true
  }
fi
