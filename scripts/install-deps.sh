#!/usr/bin/env bash
# Install the system libraries DivTune links against, if missing (Debian/Ubuntu; macOS uses Accelerate).
set -euo pipefail
if [ "$(uname)" = "Darwin" ]; then exit 0; fi
missing=()
[ -f /usr/include/x86_64-linux-gnu/cblas.h ] || [ -f /usr/include/cblas.h ] || [ -f /usr/include/aarch64-linux-gnu/cblas.h ] || missing+=(libopenblas-dev)
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
python3 -c "import ensurepip" 2>/dev/null || missing+=(python3-venv)   # the test venv (make test-venv)
{ [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; } || missing+=(chromium chromium-driver)   # browser tests (WebDriver)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
