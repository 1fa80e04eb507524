#!/usr/bin/env bash
# Measures `qualstate check` over a generated corpus (see bench/README.md).
# Usage: bench/run.sh [harness flags], e.g. bench/run.sh -templates 1000 -seed 1 -runs 5
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./bench/harness "$@"
