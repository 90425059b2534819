#!/bin/sh
# Installs the standalone application for the current user only, no administrator
# rights: the bundle in ~/.local/opt/permanence, the command in ~/.local/bin, the menu
# entry and its icons in ~/.local/share. Run again with a newer bundle to update (the
# practices live in ~/.local/share/Permanence and are not touched).
#
#   sh packaging/linux/install.sh [BUNDLE]      # BUNDLE: dist/permanence by default
#   sh packaging/linux/install.sh --uninstall   # removes the program, never the practices
set -eu

data="${XDG_DATA_HOME:-$HOME/.local/share}"
target="$HOME/.local/opt/permanence"
bin="$HOME/.local/bin"

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$target"
    rm -f "$bin/permanence" "$data/applications/permanence.desktop"
    find "$data/icons/hicolor" -path '*/apps/permanence.png' -delete 2>/dev/null || true
    echo "Permanence removed; the practices are still in $data/Permanence."
    exit 0
fi

bundle="${1:-dist/permanence}"
if [ ! -x "$bundle/permanence" ] || [ ! -d "$bundle/_internal/share" ]; then
    echo "No bundle in $bundle: build it with python3 dev.py package." >&2
    exit 2
fi

# Copied aside, then swapped: a failed copy leaves the installed version as it was.
mkdir -p "$HOME/.local/opt" "$bin" "$data/applications" "$data/icons"
rm -rf "$target.new"
cp -R "$bundle" "$target.new"
rm -rf "$target"
mv "$target.new" "$target"
ln -sf "$target/permanence" "$bin/permanence"

# The menu entry runs the installed program by its full path (~/.local/bin may not be
# on the PATH of the desktop session).
sed "s|^Exec=permanence|Exec=\"$target/permanence\"|" \
    "$target/_internal/share/applications/permanence.desktop" \
    > "$data/applications/permanence.desktop"
cp -R "$target/_internal/share/icons/." "$data/icons/"
command -v update-desktop-database >/dev/null 2>&1 \
    && update-desktop-database "$data/applications" >/dev/null 2>&1 || true
command -v gtk-update-icon-cache >/dev/null 2>&1 \
    && gtk-update-icon-cache -q -t "$data/icons/hicolor" >/dev/null 2>&1 || true
echo "Permanence installed in $target (command: $bin/permanence)."
