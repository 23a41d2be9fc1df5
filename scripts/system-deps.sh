#!/usr/bin/env bash
# Install the system packages salon-kiosk needs on Debian/Ubuntu.
#   scripts/system-deps.sh run    libzbar0 (pyzbar's library), fonts for tickets and badges
#                                 (DejaVu; Noto Naskh Arabic from fonts-noto-core), libfribidi0
#                                 (Pillow's Raqm layout: Arabic on kids' labels) and libusb-1.0-0
#                                 (pyusb: a USB label printer)
#   scripts/system-deps.sh test   the above plus Chromium for the browser tests and poppler-utils
#                                 (pdftoppm renders label PDFs whose QR codes the tests read)
# As root it installs what is missing with apt-get; otherwise it says what to run.
set -euo pipefail
want=(libzbar0 fonts-dejavu-core fonts-noto-core libfribidi0 libusb-1.0-0)
[ "${1:-run}" = test ] && want+=(chromium poppler-utils)
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
