#!/usr/bin/env bash
# Regenerates ../../Data/gazetteer.generated.tsv. Installs the pinned npm packages it reads first.
set -euo pipefail
cd "$(dirname "$0")"
npm install --no-audit --no-fund --no-save --silent
node generate.mjs
