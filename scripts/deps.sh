#!/usr/bin/env bash
# Installs what awsmfa needs on Debian: `build` (C libraries) or `test` (the test peers too).
# Idempotent: packages already present are not touched, so a second run costs a second.
set -euo pipefail

build_apt=(libpcsclite-dev libkeyutils-dev libqrencode-dev libssl-dev pkg-config)
test_apt=(keyutils pcscd vsmartcard-vpcd yubikey-manager pcsc-tools python3-pyscard
  zsh fish tmux hyperfine strace direnv lintian dpkg-dev man-db bash-completion squid openssl shellcheck)
test_pip=("moto[server]" boto3 botocore awscli pytest awsume python-dotenv)

want=("${build_apt[@]}")
[ "${1:-build}" = test ] && want+=("${test_apt[@]}")

missing=()
for package in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "deps: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-build}" = test ]; then
  if ! python3 -c 'import moto, boto3, botocore, pytest, flask, awscli, awsume, dotenv' 2>/dev/null; then
    echo "deps: installing ${test_pip[*]} with pip" >&2
    python3 -m pip install -q "${test_pip[@]}"
  fi
  command -v aws >/dev/null || { echo "deps: the aws CLI is not on PATH after pip install" >&2; exit 1; }
fi
