#!/usr/bin/env bash
# The manual route awsmfa replaces: read a code with ykman, then aws sts get-session-token.
# Usage: manual.sh READER OATH_NAME SERIAL  (endpoint and keys from the environment)
set -euo pipefail
code=$(ykman --reader "$1" oath accounts code -s "$2")
aws sts get-session-token --profile base --serial-number "$3" --token-code "$code" --output json >/dev/null
