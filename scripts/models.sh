#!/usr/bin/env bash
# Retrains the demo models on their real data, quantizes them (QDQ, per tensor and per
# channel) and records onnxruntime's outputs, all with the pinned venv that setup.sh makes.
# The results are committed under models/, so the tests need none of this; rerun it after
# changing models/train.py. About a minute on 2 cores.
#
# Usage: scripts/models.sh [digits-mlp|digits-tanh|digits-cnn|digits-attn|digits-transformer|mnist-cnn ...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
[ -x "$AIPIN_PYTHON" ] || "$here/setup.sh"
cd "$AIPIN_ROOT/models"
"$AIPIN_PYTHON" train.py "$@"
"$AIPIN_PYTHON" record.py
