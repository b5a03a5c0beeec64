#!/bin/sh
# Installs the build into a temporary prefix, builds a VEO program written
# against NEC's documentation (with pkg-config rashm-veo, and with a plain
# -lveo) and its VE library (pkg-config rashm-ve), and runs both builds;
# then a static VE program (rashm-mk-veorun-static) via veo_proc_create_static.
#   install_test.sh BUILD_DIR SOURCE_DIR SANITIZE(ON/OFF)
set -eu
build=$1 src=$2 san=${3:-OFF}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flock "$build/.install.lock" cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
pc=$(dirname "$(find "$tmp/prefix" -name rashm-veo.pc | head -n 1)")
libdir=$(dirname "$pc")
export PKG_CONFIG_PATH="$pc" PKG_CONFIG_LIBDIR="$pc"
# The .pc files compute the prefix from their own location and give the
# program a RUNPATH to the installed libdir: no LD_LIBRARY_PATH.
pkgc="pkg-config"
unset RASHM_VE_HELPER LD_LIBRARY_PATH
extra=""
[ "$san" = ON ] && extra="-fsanitize=address,undefined"
cc=${CC:-cc}
set -x
$cc $extra -o "$tmp/hello" "$src/hello.c" $($pkgc --cflags --libs rashm-veo)
$cc $extra -o "$tmp/hello-lveo" "$src/hello.c" -I"$tmp/prefix/include/rashm" -L"$libdir" -Wl,-rpath,"$libdir" -lveo
$cc -shared -fPIC -o "$tmp/libvehello.so" "$src/libvehello.c" $($pkgc --cflags --libs rashm-ve)
$cc $extra -o "$tmp/hello_static" "$src/hello_static.c" $($pkgc --cflags --libs rashm-veo)
# a static VE program, as NEC's mk_veorun_static makes one
"$tmp/prefix/bin/rashm-mk-veorun-static" "$tmp/veorun_hello" "$src/libvehello.c"
# the same through a link named and placed as NEC's command (py-veo's
# VeBuild runs /opt/nec/ve/libexec/mk_veorun_static)
mkdir -p "$tmp/nec/libexec"
ln -s "$tmp/prefix/bin/rashm-mk-veorun-static" "$tmp/nec/libexec/mk_veorun_static"
"$tmp/nec/libexec/mk_veorun_static" "$tmp/veorun_hello2" "$src/libvehello.c"
# A program built against NEC's libveo records its SONAME, libveo.so.1, and
# references its symbols at version VERSION_1. Made here against a
# link-time stand-in with that SONAME and version node (empty functions of
# the names the ABI list holds), it must run on the installed library
# unchanged: through the installed libveo.so.1, and through a link in
# another directory (where NEC's library would be), the helper being found
# from the library's real place.
mkdir -p "$tmp/stand-in" "$tmp/nec/lib64"
abi=$src/../../abi/librashm-veo.syms
grep -v '^#' "$abi" | sed -n 's/^\(veo_[a-z0-9_]*\)$/void \1(void) {}/p' > "$tmp/stand-in/veo.c"
{ echo 'VERSION_1 { global:'; grep -v '^#' "$abi" | sed -n 's/^\(veo_[a-z0-9_]*\)$/\1;/p'; echo 'local: *; };'; } > "$tmp/stand-in/veo.map"
$cc -shared -fPIC -o "$tmp/stand-in/libveo.so.1" -Wl,-soname=libveo.so.1 \
    -Wl,--version-script="$tmp/stand-in/veo.map" "$tmp/stand-in/veo.c"
ln -s libveo.so.1 "$tmp/stand-in/libveo.so"
$cc $extra -o "$tmp/hello-nec" "$src/hello.c" -I"$tmp/prefix/include/rashm" -L"$tmp/stand-in" -lveo
ln -s "$libdir/libveo.so.1" "$tmp/nec/lib64/libveo.so.1"
cd "$tmp"
readelf -d ./hello-nec | grep -q 'NEEDED.*\[libveo\.so\.1\]'
LD_LIBRARY_PATH="$libdir" ./hello-nec ./libvehello.so 2> err5 | tee out5
LD_LIBRARY_PATH="$tmp/nec/lib64" ./hello-nec ./libvehello.so | tee out6
# the helper must be found relative to the installed library
# (<prefix>/libexec/rashm), not in the build tree
ldd ./hello | grep -q "librashm-veo.so.0 => $libdir/"
ldd ./hello-lveo | grep -q "librashm-veo.so.0 => $libdir/"
./hello ./libvehello.so | tee out1
./hello-lveo "$tmp/libvehello.so" | tee out2
# (a sanitized helper refuses a preloaded library ahead of its runtime
# unless told that the order is intended)
asan_order=""
[ "$san" = ON ] && asan_order="verify_asan_link_order=0"
ASAN_OPTIONS="${asan_order}${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
    ./hello_static ./veorun_hello | tee out3
ASAN_OPTIONS="${asan_order}${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
    ./hello_static ./veorun_hello2 | tee out4
set +x
grep -q "static hello returned 42 (rc 0)" out3
grep -q "static hello returned 42 (rc 0)" out4
grep -q "Hello, world from the VE (20 + 22)" out1
grep -q "hello returned 42" out2
grep -q "Hello, world from the VE (20 + 22)" out5
# the installed library defines the VERSION_1 node the program asks for
! grep -q "no version information" err5
grep -q "Hello, world from the VE (20 + 22)" out6
grep -q "VE memory round trip: software VE" out2
echo "install test: OK"
