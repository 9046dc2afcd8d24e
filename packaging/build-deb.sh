#!/usr/bin/env bash
# Builds the Debian package of Qorgau from a built binary, with dpkg-deb alone (no cargo tool
# to install): packaging/build-deb.sh BINARY OUT_DIR → OUT_DIR/qorgau_VERSION_ARCH.deb, its
# path printed last. VERSION is the workspace's (Cargo.toml); ARCH is dpkg's.
#
# Contents (docs/operations.md § The Debian package):
#   /usr/bin/qorgau                      the binary, stripped of nothing (a debug build stays one)
#   /etc/qorgau/default.toml, calendar.toml, protocols/   config/ for reference (conffiles)
#   /etc/qorgau/qorgau.toml              the package's overrides: data in /var/lib/qorgau (conffile)
#   /etc/qorgau/qorgau.env               the service's environment, secrets (conffile, 0640 root:qorgau)
#   /lib/systemd/system/qorgau.service   the unit (user qorgau, hardening, TimeoutStopSec=40)
#   /usr/share/doc/qorgau/               README.md, operations.md, configuration.md, copyright
# postinst creates the system user qorgau and /var/lib/qorgau (0750, qorgau:qorgau).
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 BINARY OUT_DIR" >&2
    exit 2
fi
binary=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
[ -x "$binary" ] || { echo "$binary: not an executable" >&2; exit 1; }

# The workspace's version: [workspace.package] version = "x.y.z".
version=$(awk '/^\[workspace.package\]/{p=1; next} /^\[/{p=0} p && /^version *=/{gsub(/[" ]/, "", $3); print $3; exit}' "$root/Cargo.toml")
[ -n "$version" ] || { echo "no version in $root/Cargo.toml" >&2; exit 1; }
arch=$(dpkg --print-architecture)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg="$stage/qorgau"
install -d -m 0755 "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/etc/qorgau" "$pkg/lib/systemd/system" \
    "$pkg/usr/share/doc/qorgau"
install -m 0755 "$binary" "$pkg/usr/bin/qorgau"
cp -R "$root/config/." "$pkg/etc/qorgau/"
install -m 0644 "$here/debian/qorgau.toml" "$pkg/etc/qorgau/qorgau.toml"
install -m 0640 "$here/debian/qorgau.env" "$pkg/etc/qorgau/qorgau.env"
install -m 0644 "$here/debian/qorgau.service" "$pkg/lib/systemd/system/qorgau.service"
install -m 0644 "$root/README.md" "$root/docs/operations.md" "$root/docs/configuration.md" \
    "$pkg/usr/share/doc/qorgau/"
cat > "$pkg/usr/share/doc/qorgau/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: qorgau
License: Apache-2.0
Files: *
License: Apache-2.0
 On Debian systems the full text is in /usr/share/common-licenses/Apache-2.0.
COPYRIGHT
find "$pkg/etc" -type d -exec chmod 0755 {} +
find "$pkg/etc" -type f ! -name qorgau.env -exec chmod 0644 {} +
for script in postinst prerm postrm; do
    install -m 0755 "$here/debian/$script" "$pkg/DEBIAN/$script"
done
# Every file under /etc is a conffile: an upgrade keeps the operator's edits.
(cd "$pkg" && find etc -type f | sort | sed 's|^|/|') > "$pkg/DEBIAN/conffiles"

# Shared libraries the binary links (libc, libm, libgcc_s; OpenSSL for libpq's TLS), named by
# the packages that hold them here.
libs=$(ldd "$binary" | awk '/=> \//{print $3}')
depends="adduser"
for lib in $libs; do
    real=$(readlink -f "$lib")
    owner=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null || true)
    owner=${owner%%:*}
    if [ -n "$owner" ] && [[ ",$depends," != *", $owner,"* ]] && [ "$owner" != adduser ]; then
        depends="$depends, $owner"
    fi
done
size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
cat > "$pkg/DEBIAN/control" <<CONTROL
Package: qorgau
Version: $version
Architecture: $arch
Maintainer: Qorgau maintainers <qorgau@localhost>
Section: misc
Priority: optional
Depends: $depends
Installed-Size: $size
Homepage: https://qorgau.invalid/
Description: case management for child protection in Kazakhstan
 One server binary (qorgau) with its systemd unit: signals, cases, referrals and
 commissions over an HTTP API and a browser console; SQLite or PostgreSQL.
 docs: /usr/share/doc/qorgau/operations.md.
CONTROL

mkdir -p "$out"
deb="$(cd "$out" && pwd)/qorgau_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz -z1 --build "$pkg" "$deb" >/dev/null
echo "$deb"
