#!/usr/bin/env bash
# `npm run test:keras`: installs Keras 3, tf.keras and tensorflowjs into a private
# virtual environment (.cache/keras-venv; once, a few GB) and runs the Sinew ⇄ Keras
# round trip (scripts/keras/roundtrip.mjs). Optional: `npm test` does not need Python.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${SINEW_KERAS_VENV:-$PWD/.cache/keras-venv}
if [ ! -x "$VENV/bin/tensorflowjs_converter" ]; then
  echo "[test:keras] creating $VENV (tensorflow, tensorflowjs, ydf)" >&2
  python3 -m venv "$VENV"
  # ydf is pinned: newer ydf releases clash with tensorflow's protobuf at import.
  "$VENV/bin/pip" install --quiet tensorflow tensorflowjs ydf==0.13.0
fi
bash build.sh
node scripts/keras/roundtrip.mjs "$VENV/bin/python"
