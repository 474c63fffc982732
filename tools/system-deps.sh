#!/usr/bin/env bash
# Debian packages the test suite runs for real: tmux (terminal end-to-end tests), bubblewrap and
# Debian's python3 with its seccomp binding, numpy and pandas (the code sandbox), and torch (the
# Python RL adapter's CPU protocol test). Installs only what is missing; needs root or sudo.
set -euo pipefail

missing=()
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
if [ ! -x /usr/bin/python3 ]; then
  missing+=(python3 python3-numpy python3-pandas python3-seccomp python3-torch)
else
  /usr/bin/python3 -c "import seccomp" >/dev/null 2>&1 || missing+=(python3-seccomp)
  /usr/bin/python3 -c "import numpy, pandas" >/dev/null 2>&1 || missing+=(python3-numpy python3-pandas)
  /usr/bin/python3 -c "import torch" >/dev/null 2>&1 || missing+=(python3-torch)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
run() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else echo "run as root or install: ${missing[*]}" >&2; exit 1; fi; }
run apt-get update -qq
DEBIAN_FRONTEND=noninteractive run apt-get install -y -qq "${missing[@]}"
