#!/usr/bin/env bash
# Install everything the project needs on a Debian machine, idempotently:
#   scripts/setup.sh          runtime (Debian libraries for WeasyPrint, Python packages in .venv)
#   scripts/setup.sh --test   also the test tools (poppler, Chromium, LibreOffice, Redis and
#                             PostgreSQL servers for machines that have none running)
# Re-running is cheap: Debian packages already present are skipped, and pip runs only when
# pyproject.toml changed since the last successful install.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

runtime_debs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libharfbuzz0b fontconfig)
# fonts-liberation2: Times New Roman metrics with Vietnamese (1.x has none) for LibreOffice,
# which lays out the DOCX in the page-break tests
# softhsm2: a PKCS#11 token in a directory, for the signing tests (tests/test_signing_keys.py)
# zbar-tools: zbarimg reads the verification QR off a rendered page (tests/test_verification_qr.py)
test_debs=(poppler-utils chromium libreoffice-writer-nogui fonts-liberation2 redis-server postgresql
           softhsm2 zbar-tools)

debs=("${runtime_debs[@]}")
[ "$want_test" = 1 ] && debs+=("${test_debs[@]}")

missing=()
for pkg in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" != 0 ] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  # Do not let the postgresql/redis packages start system services; tests start their own.
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
extras=""
[ "$want_test" = 1 ] && extras="[test]"
stamp=".venv/.installed${extras}"
sum=$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
  echo "setup: installing Python packages${extras}"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".${extras}"
  echo "$sum" > "$stamp"
fi
