#!/usr/bin/env bash
# Installs the real worker: diffusers v0.27.2's SDXL training scripts, unmodified, with the Python packages of that
# release and a tiny random SDXL, so tests can follow a real training on CPU (test/real/, `npm run test:real`).
# Usage: bash scripts/install-real-worker.sh [DEST]        (DEST defaults to .cache/real-worker)
#
# Two ways, the same result (DEST/env.sh, DEST/venv, DEST/hf, DEST/tiny/{model,instance,data},
# DEST/diffusers-examples/examples/{dreambooth,text_to_image}):
# - from the offline kit, when ../shared/real-worker (or $SDXL_REAL_WORKER_KIT) exists: its install.sh (Debian 12's
#   torch 1.13 CPU from apt, the other packages from its tarball; root when apt packages are missing);
# - else with pip from the package index, at the same pinned versions (torch's CPU wheel), the example scripts
#   fetched by git at tag v0.27.2 and the tiny model built by scripts/make-tiny-sdxl.py.
# Idempotent: a finished install of the same source leaves a stamp, and a second call only checks it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest_arg="${1:-$root/.cache/real-worker}"
mkdir -p "$dest_arg"
DEST="$(cd "$dest_arg" && pwd)"
[ "$DEST" != / ] || { echo "install-real-worker: refusing DEST=/" >&2; exit 2; }
DIFFUSERS_TAG=v0.27.2
stamp="$DEST/.sdxl-real-worker-installed"
t0=$(date +%s)

kit="${SDXL_REAL_WORKER_KIT:-}"
if [ -z "$kit" ] && [ -d "$root/../shared/real-worker" ]; then kit="$root/../shared/real-worker"; fi
if [ -n "$kit" ]; then
  [ -f "$kit/install.sh" ] || { echo "install-real-worker: $kit has no install.sh (SDXL_REAL_WORKER_KIT must name the kit folder)" >&2; exit 2; }
  kit="$(cd "$kit" && pwd)"
  # The kit's identity: its files' sizes and times (hashing the 3.7 MB tarball each call is not needed).
  source_id="kit $(cd "$kit" && find . -maxdepth 1 -type f -printf '%P %s %T@\n' | sort | sha256sum | cut -c1-16)"
else
  source_id="pip $DIFFUSERS_TAG $(sha256sum "$root/scripts/real-worker-requirements.txt" "$root/scripts/make-tiny-sdxl.py" | sha256sum | cut -c1-16)"
fi

installed() {
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$source_id" ] && [ -f "$DEST/env.sh" ] && [ -x "$DEST/venv/bin/accelerate" ] \
    && [ -f "$DEST/tiny/model/model_index.json" ] && [ -f "$DEST/diffusers-examples/examples/dreambooth/train_dreambooth_lora_sdxl.py" ]
}
if installed; then
  echo "install-real-worker: already installed in $DEST ($source_id)"
  exit 0
fi
rm -f "$stamp"

if [ -n "$kit" ]; then
  echo "install-real-worker: from the kit $kit into $DEST"
  bash "$kit/install.sh" "$DEST"
  # The scripts next to the environment, so DEST alone is the worker (the kit's copy is byte for byte v0.27.2's).
  rm -rf "$DEST/diffusers-examples"
  cp -R "$kit/diffusers-examples" "$DEST/diffusers-examples"
else
  echo "install-real-worker: no kit (../shared/real-worker or SDXL_REAL_WORKER_KIT); installing with pip into $DEST"
  python="${PYTHON:-python3}"
  "$python" -c 'import sys; sys.exit(0 if (3, 8) <= sys.version_info[:2] <= (3, 12) else 1)' \
    || { echo "install-real-worker: $python is $("$python" -V 2>&1); torch 2.2 and diffusers 0.27.2 need Python 3.8 to 3.12 (set PYTHON)" >&2; exit 1; }
  command -v git > /dev/null || { echo "install-real-worker: git is needed to fetch the diffusers $DIFFUSERS_TAG example scripts" >&2; exit 1; }
  rm -rf "$DEST/venv"
  "$python" -m venv "$DEST/venv"
  pip=("$DEST/venv/bin/python" -m pip install --disable-pip-version-check --no-input)
  # torch's CPU build from its own index: the default wheel on PyPI bundles CUDA (gigabytes).
  "${pip[@]}" --index-url https://download.pytorch.org/whl/cpu torch==2.2.2 torchvision==0.17.2
  "${pip[@]}" -r "$root/scripts/real-worker-requirements.txt"
  # The three SDXL scripts at the tag, nothing else of the repository (a sparse, blob-less clone).
  src="$DEST/diffusers-src"
  rm -rf "$src" "$DEST/diffusers-examples"
  git clone --quiet --depth 1 --branch "$DIFFUSERS_TAG" --filter=blob:none --sparse https://github.com/huggingface/diffusers.git "$src"
  git -C "$src" sparse-checkout set examples/dreambooth examples/text_to_image
  mkdir -p "$DEST/diffusers-examples/examples/dreambooth" "$DEST/diffusers-examples/examples/text_to_image"
  cp "$src/LICENSE" "$DEST/diffusers-examples/"
  cp "$src/examples/dreambooth/train_dreambooth_lora_sdxl.py" "$src/examples/dreambooth/requirements_sdxl.txt" \
    "$src/examples/dreambooth/README_sdxl.md" "$DEST/diffusers-examples/examples/dreambooth/"
  cp "$src/examples/text_to_image/train_text_to_image_sdxl.py" "$src/examples/text_to_image/train_text_to_image_lora_sdxl.py" \
    "$src/examples/text_to_image/requirements_sdxl.txt" "$src/examples/text_to_image/README_sdxl.md" \
    "$DEST/diffusers-examples/examples/text_to_image/"
  rm -rf "$src"
  # The same env.sh as the kit writes, so tests and users source one file either way.
  cat > "$DEST/env.sh" <<EOF
# Source me: . $DEST/env.sh   (written by scripts/install-real-worker.sh, pip install)
export VIRTUAL_ENV="$DEST/venv"
export PATH="$DEST/venv/bin:\${PATH}"
export HF_HOME="$DEST/hf"                # accelerate's default_config.yaml lives under here
export REAL_WORKER_DEST="$DEST"
# HF_HUB_OFFLINE must stay unset: with it the script's final load_lora_weights(output_dir) raises
# "When using the offline mode, you must specify a \`weight_name\`."
unset HF_HUB_OFFLINE
EOF
  # shellcheck disable=SC1091
  . "$DEST/env.sh"
  mkdir -p "$HF_HOME"
  accelerate config default
  rm -rf "$DEST/tiny"
  python "$root/scripts/make-tiny-sdxl.py" "$DEST/tiny"
fi

echo "$source_id" > "$stamp"
installed || { echo "install-real-worker: the install in $DEST is incomplete (see above)" >&2; exit 1; }
echo "install-real-worker: installed in $DEST in $(( $(date +%s) - t0 )) s; tests find it there (npm run test:real)"
