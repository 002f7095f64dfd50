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
# pip records where it installed deescalate from (this build folder); the bundle copies
# the metadata, so leave that record out.
for record in "$work"/venv/lib/python*/site-packages/deescalate-*.dist-info/RECORD; do
    rm -f "$(dirname "$record")/direct_url.json"
    sed -i '/direct_url\.json/d' "$record"
done
version="$("$work/venv/bin/python" -c 'from importlib.metadata import version; print(version("deescalate"))')"
arch="$(dpkg --print-architecture)"
changelog_version="$(dpkg-parsechangelog -l "$here/linux/changelog" -S Version)"
if [ "$changelog_version" != "$version" ]; then
    echo "packaging/linux/changelog's last entry is $changelog_version, pyproject.toml says" \
        "$version: add an entry for $version at the top of the changelog." >&2
    exit 1
fi

echo "== PyInstaller one-folder app, version $version"
(cd "$src" && "$work/venv/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath "$work/dist" --workpath "$work/pyinstaller" packaging/deescalate.spec)
app="$work/dist/deescalate"
"$app/deescalate" --version
if leaked="$(grep -rlF "$src" "$app")"; then
    echo "The bundle records the build folder $src in: $leaked" >&2
    exit 1
fi
# Shared libraries are loaded, never run: no execute bit (Debian policy).
find "$app" -type f -name '*.so*' -exec chmod 644 {} +

echo "== copyright and licence texts of everything bundled"
doc="$work/doc"
"$work/venv/bin/python" "$here/licences.py" "$app" "$doc"
install -m 644 "$here/linux/changelog" "$doc/changelog"
gzip -9n "$doc/changelog"

echo "== tarball"
# One folder, deescalate/, to unpack into /opt: its desktop entries call the app and the
# autostart script it holds at /opt/deescalate.
name="deescalate-$version-linux-$arch"
tar_app="$work/tar/deescalate"
mkdir -p "$tar_app"
cp -a "$app/." "$doc/." "$tar_app/"
install -m 755 "$here/linux/deescalate-autostart" "$tar_app/"
for entry in deescalate.desktop deescalate-autostart.desktop; do
    sed 's|^Exec=/usr/bin/|Exec=/opt/deescalate/|' "$here/linux/$entry" > "$tar_app/$entry"
done
tar -C "$work/tar" --owner=0 --group=0 -czf "$out/$name.tar.gz" deescalate

echo "== .deb"
root="$work/deb"
mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
    "$root/etc/xdg/autostart" "$root/usr/share/doc" "$root/usr/share/man/man1"
cp -a "$app" "$root/opt/deescalate"
cp -a "$doc" "$root/usr/share/doc/deescalate"
install -m 755 "$here/linux/deescalate" "$here/linux/deescalate-autostart" "$root/usr/bin/"
install -m 644 "$here/linux/deescalate.desktop" "$root/usr/share/applications/"
install -m 644 "$here/linux/deescalate-autostart.desktop" "$root/etc/xdg/autostart/deescalate.desktop"
for page in deescalate.1 deescalate-autostart.1; do
    gzip -9n < "$here/linux/$page" > "$root/usr/share/man/man1/$page.gz"
done
chmod -R u=rwX,go=rX "$root/usr/share"
echo /etc/xdg/autostart/deescalate.desktop > "$root/DEBIAN/conffiles"
install -m 755 "$here/linux/postrm" "$root/DEBIAN/postrm"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z \
    | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
size_kb="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size_kb/" \
    "$here/linux/control.in" > "$root/DEBIAN/control"
deb="$out/deescalate_${version}_$arch.deb"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" > /dev/null
echo "built $out/$name.tar.gz and $deb"
du -sh "$app" "$out/$name.tar.gz" "$deb"
