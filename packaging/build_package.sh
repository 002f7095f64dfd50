#!/usr/bin/env bash
# Builds the one-folder app with PyInstaller, then a tarball and a .deb, into dist/.
# Usage: packaging/build_package.sh [SOURCE_TREE] [OUT_DIR]
# A Vosk model unzipped into SOURCE_TREE/models/ is bundled with the app.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "${1:-$here/..}" && pwd)"
out="$(mkdir -p "${2:-$src/dist}" && cd "${2:-$src/dist}" && pwd)"
work="$src/build/package"
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"

echo "== build venv (runtime dependencies and PyInstaller only)"
rm -rf "$work" && mkdir -p "$work"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --upgrade pip
"$work/venv/bin/python" -m pip install -q "$src[package]"
"$work/venv/bin/python" "$here/strip_symbols.py" "$work/venv"
version="$("$work/venv/bin/python" -c 'from importlib.metadata import version; print(version("deescalate"))')"
arch="$(dpkg --print-architecture)"

echo "== PyInstaller one-folder app, version $version"
(cd "$src" && "$work/venv/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath "$work/dist" --workpath "$work/pyinstaller" packaging/deescalate.spec)
app="$work/dist/deescalate"
"$app/deescalate" --version

echo "== tarball"
name="deescalate-$version-linux-$arch"
mkdir -p "$work/tar/$name"
cp -a "$app/." "$work/tar/$name/"
cp "$here/linux/deescalate.desktop" "$here/linux/deescalate-autostart.desktop" "$work/tar/$name/"
tar -C "$work/tar" -czf "$out/$name.tar.gz" "$name"

echo "== .deb"
root="$work/deb"
mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
    "$root/etc/xdg/autostart"
cp -a "$app" "$root/opt/deescalate"
install -m 755 "$here/linux/deescalate" "$here/linux/deescalate-autostart" "$root/usr/bin/"
install -m 644 "$here/linux/deescalate.desktop" "$root/usr/share/applications/"
install -m 644 "$here/linux/deescalate-autostart.desktop" "$root/etc/xdg/autostart/deescalate.desktop"
echo /etc/xdg/autostart/deescalate.desktop > "$root/DEBIAN/conffiles"
size_kb="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size_kb/" \
    "$here/linux/control.in" > "$root/DEBIAN/control"
deb="$out/deescalate_${version}_$arch.deb"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" > /dev/null
echo "built $out/$name.tar.gz and $deb"
du -sh "$app" "$out/$name.tar.gz" "$deb"
