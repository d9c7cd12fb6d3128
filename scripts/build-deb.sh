#!/usr/bin/env bash
# Builds dist/awsmfa_VERSION_ARCH.deb with dpkg-deb from built binaries (BIN, default the release
# build): stripped binaries, shell hooks, completions where Debian's shells look, the man page, the
# copyright file and a changelog; Depends from dpkg-shlibdeps. Usage: scripts/build-deb.sh [BIN]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release}
version=$(sed -n 's/.*static let string = "\(.*\)"/\1/p' Sources/AWSMFAKit/Version.swift)
arch=$(dpkg --print-architecture)
for tool in dpkg-deb dpkg-shlibdeps strip gzip; do
  command -v "$tool" >/dev/null || { echo "build-deb: $tool is missing (apt-get install dpkg-dev binutils)" >&2; exit 1; }
done
[ -x "$bin/awsmfa" ] && [ -x "$bin/awsmfa-cli" ] || { echo "build-deb: no binaries in $bin (make build first)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg=$work/awsmfa
install -D -m 0755 "$bin/awsmfa" "$pkg/usr/bin/awsmfa"
install -D -m 0755 "$bin/awsmfa-cli" "$pkg/usr/libexec/awsmfa/awsmfa-cli"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$pkg/usr/bin/awsmfa" "$pkg/usr/libexec/awsmfa/awsmfa-cli"
for file in shell/awsmfa.bash shell/awsmfa.zsh shell/awsmfa.fish; do
  install -D -m 0644 "$file" "$pkg/usr/share/awsmfa/$file"
done
install -D -m 0644 completions/awsmfa.bash "$pkg/usr/share/bash-completion/completions/awsmfa"
install -D -m 0644 completions/_awsmfa "$pkg/usr/share/zsh/vendor-completions/_awsmfa"
install -D -m 0644 completions/awsmfa.fish "$pkg/usr/share/fish/vendor_completions.d/awsmfa.fish"
install -d "$pkg/usr/share/man/man1" "$pkg/usr/share/doc/awsmfa"
"$bin/awsmfa-cli" __manual README.md | gzip -9n > "$pkg/usr/share/man/man1/awsmfa.1.gz"
install -m 0644 packaging/copyright "$pkg/usr/share/doc/awsmfa/copyright"
# A native package's changelog: one entry for this version, dated by the last commit.
stamp=$(git log -1 --format=%ct 2>/dev/null || date +%s)
{
  printf 'awsmfa (%s) unstable; urgency=medium\n\n' "$version"
  printf '  * Release %s; the README lists what it does.\n\n' "$version"
  printf ' -- awsmfa developers <awsmfa@example.org>  %s\n' "$(LC_ALL=C date -u -R -d "@$stamp")"
} | gzip -9n > "$pkg/usr/share/doc/awsmfa/changelog.gz"
chmod 0644 "$pkg/usr/share/man/man1/awsmfa.1.gz" "$pkg/usr/share/doc/awsmfa/changelog.gz"

# Depends: what the binaries link, as dpkg-shlibdeps names the packages (libkeyutils1,
# libqrencode4, libc6, ...). libpcsclite is dlopen'ed: a Recommends, with pcscd.
mkdir -p "$work/debian"
printf 'Source: awsmfa\n\nPackage: awsmfa\nArchitecture: any\n' > "$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O awsmfa/usr/bin/awsmfa awsmfa/usr/libexec/awsmfa/awsmfa-cli 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
# Packed relative relocations (DT_RELR, see Package.swift) need glibc 2.36, a version need that
# Debian's libc6 symbols file does not map: state it, or a glibc 2.35 system installs a binary
# that cannot start.
if readelf -V "$pkg/usr/libexec/awsmfa/awsmfa-cli" "$pkg/usr/bin/awsmfa" | grep -c GLIBC_ABI_DT_RELR >/dev/null; then
  depends=$(printf '%s' "$depends" | sed 's/libc6 ([^)]*)/libc6 (>= 2.36)/')
fi
mkdir -p "$pkg/DEBIAN"
(cd "$pkg" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$pkg/DEBIAN/md5sums"
cat > "$pkg/DEBIAN/control" <<CONTROL
Package: awsmfa
Version: $version
Architecture: $arch
Maintainer: awsmfa developers <awsmfa@example.org>
Installed-Size: $(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
Depends: $depends
Recommends: pcscd, libpcsclite1
Section: utils
Priority: optional
Description: AWS credentials with MFA from a YubiKey, kept in the kernel keyring
 awsmfa reads a profile from ~/.aws/config, takes a TOTP code from a YubiKey's
 OATH applet over PC/SC, calls AWS STS (GetSessionToken, AssumeRole), keeps the
 session in the Linux kernel keyring, and prints export statements for bash,
 zsh or fish. Prompt hooks renew the credentials before they expire; a loopback
 credential server keeps long-running commands supplied past the one-hour role
 cap; login opens the AWS console.
CONTROL
mkdir -p dist
out=dist/awsmfa_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$out" >/dev/null
echo "$out"
