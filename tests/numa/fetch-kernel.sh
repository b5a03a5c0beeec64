#!/usr/bin/env bash
# fetch-kernel.sh - get a guest kernel for tests/numa/numa-vm.sh without
# installing anything: download Debian's kernel package with apt-get download,
# unpack only its vmlinuz (and config) into a cache, print the image's path.
#
#   fetch-kernel.sh [-b] [-q]
#     -b   bookworm-backports kernel (6.12: MPOL_WEIGHTED_INTERLEAVE needs >= 6.9)
#          instead of the release's linux-image-amd64 (bookworm: 6.1)
#     -q   quiet (only the path on stdout)
#
# The cache is $RASHM_NUMA_VM_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/rashm-numa-vm.
# A kernel already in the cache is reused: no network access then. The apt
# configuration of the system is not changed (backports uses a private
# sources list and private package lists under the cache).
#
# Why Debian's image: NUMA, ACPI_NUMA, SYSVIPC, HUGETLBFS, DEVTMPFS, the 8250
# serial console and the PVH entry are built in, so the guest needs no
# modules and no initrd of the distribution. 5.15 or later is wanted for
# MPOL_PREFERRED_MANY (rashm's first-touch over a node subset); bookworm's
# 6.1 has it.
#
# Exit status: 0 and the path on stdout; 1 with a message on stderr.
set -u -o pipefail
prog=${0##*/}
backports=0 quiet=0
while getopts ":bqh" o; do
  case $o in
    b) backports=1 ;; q) quiet=1 ;;
    h) sed -n '2,/^set -u/p' "$0" | sed -e 's/^# \{0,1\}//' -e '/^set -u/d'; exit 0 ;;
    *) echo "$prog: unknown option -$OPTARG (see -h)" >&2; exit 1 ;;
  esac
done
die() { echo "$prog: error: $*" >&2; exit 1; }
say() { [ "$quiet" = 1 ] || echo "$prog: $*" >&2; }

cache=${RASHM_NUMA_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/rashm-numa-vm}
flavour=release; [ "$backports" = 1 ] && flavour=backports
mkdir -p "$cache/kernels" || die "cannot create the cache $cache"

# Reuse: the newest image already unpacked for this flavour.
cached() {
  ls -1d "$cache/kernels/$flavour"-*/boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1
}
k=$(cached)
if [ -n "$k" ] && [ -s "$k" ]; then
  say "using cached kernel $k"
  echo "$k"; exit 0
fi

for t in apt-get apt-cache dpkg-deb tar; do
  command -v "$t" >/dev/null 2>&1 || die "'$t' not found: this script needs a Debian-like system (or pass a kernel to numa-vm.sh with -k / RASHM_NUMA_VM_KERNEL)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/rashm-fetch-kernel.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"   # apt's _apt sandbox user must be able to write downloads here

apt_opts=()
if [ "$backports" = 1 ]; then
  # A private apt universe holding only bookworm-backports: the system's
  # sources and lists stay untouched. The mirror is the one the system uses.
  mirror=$(grep -hoE 'https?://[^ ]*/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1 | tr -d ' ')
  mirror=${mirror:-http://deb.debian.org/debian}
  codename=$(. /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-bookworm}")
  mkdir -p "$cache/apt-backports/lists/partial" "$cache/apt-backports/archives/partial"
  echo "deb $mirror $codename-backports main" > "$cache/apt-backports/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$cache/apt-backports/sources.list" -o "Dir::Etc::SourceParts=-"
            -o "Dir::State::Lists=$cache/apt-backports/lists" -o "Dir::Cache::Archives=$cache/apt-backports/archives"
            -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" -o "APT::Default-Release=$codename-backports")
  say "updating the private package list for $codename-backports ($mirror)"
  apt-get "${apt_opts[@]}" -qq update >"$work/update.log" 2>&1 || { cat "$work/update.log" >&2; die "apt-get update for $codename-backports failed"; }
fi

# linux-image-amd64 is a metapackage; the image is the package it depends on.
pkg_of() { apt-cache "${apt_opts[@]}" depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
pkg=$(pkg_of)
if [ -z "$pkg" ] && [ "$backports" = 0 ]; then
  # A fresh machine may have no package lists yet.
  [ "$(id -u)" = 0 ] || die "apt has no package lists and we are not root to run apt-get update"
  say "no package lists: running apt-get update"
  apt-get -qq update >"$work/update.log" 2>&1 || { cat "$work/update.log" >&2; die "apt-get update failed"; }
  pkg=$(pkg_of)
fi
[ -n "$pkg" ] || die "cannot tell which linux-image package linux-image-amd64 depends on (apt-cache depends failed)"

say "downloading $pkg (about 70 MB)"
( cd "$work" && apt-get "${apt_opts[@]}" -qq download "$pkg" ) >"$work/download.log" 2>&1 \
  || { cat "$work/download.log" >&2; die "apt-get download $pkg failed"; }
deb=$(ls -1 "$work"/*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "apt-get download produced no .deb"
ver=$(dpkg-deb -f "$deb" Version) || die "unreadable package $deb"

dest="$cache/kernels/$flavour-$pkg-$ver"
tmpdest="$dest.tmp.$$"
rm -rf "$tmpdest"; mkdir -p "$tmpdest"
# Only the image and its config: the modules (hundreds of MB) are not needed.
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmpdest" --wildcards './boot/vmlinuz-*' './boot/config-*' \
  || { rm -rf "$tmpdest"; die "unpacking $deb failed"; }
k=$(ls -1 "$tmpdest"/boot/vmlinuz-* 2>/dev/null | head -n 1)
[ -s "$k" ] || { rm -rf "$tmpdest"; die "$deb holds no /boot/vmlinuz-*"; }
cfg=$(ls -1 "$tmpdest"/boot/config-* 2>/dev/null | head -n 1)
if [ -n "$cfg" ]; then
  for opt in CONFIG_NUMA CONFIG_SYSVIPC CONFIG_HUGETLBFS CONFIG_DEVTMPFS CONFIG_SERIAL_8250_CONSOLE; do
    grep -q "^$opt=y" "$cfg" || say "warning: $opt is not built in ($pkg); the guest may not boot or run the tests"
  done
fi
rm -rf "$dest"; mv "$tmpdest" "$dest" || die "cannot move the kernel into $dest"
k=$(ls -1 "$dest"/boot/vmlinuz-* | head -n 1)
say "kernel $pkg $ver cached as $k"
echo "$k"
