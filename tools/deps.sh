#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Installs the Debian 12 packages ta-glib needs to build, test and run its
# demo, if any is missing. Sourced by demo.sh and test.sh.

ta_packages=(
  gcc meson ninja-build pkg-config
  libglib2.0-dev libglib2.0-bin
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0
  python3 python3-gi python3-pytest
  gjs
  valgrind
  # The GTK example and its test under a virtual X server.
  libgtk-4-dev xvfb xauth
)
# Not installed here: gi-docgen (Debian package gi-docgen), needed only
# for the API reference, meson setup -Ddocumentation=true.

ta_install_deps () {
  local missing=()
  local pkg
  for pkg in "${ta_packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
      missing+=("$pkg")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "Installing: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
