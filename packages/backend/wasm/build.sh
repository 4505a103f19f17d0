#!/bin/sh
# Rebuilds kernels.wasm and kernels-shared.wasm from kernels.c, byte for byte (Debian 12:
# apt-get install -y clang lld). The committed binaries are what installs use; nothing builds them at
# install time. kernels.wasm imports an ordinary memory (tfjs' single-threaded build, or a memory of
# its own); kernels-shared.wasm a shared one (tfjs' threaded build).
#   ./build.sh [out-dir]
set -eu
cd "$(dirname "$0")"
out=${1:-.}
flags="--target=wasm32 -O3 -msimd128 -nostdlib -ffp-contract=off -fno-builtin -g0 -Wall -Wextra -Werror"
link="-Wl,--no-entry -Wl,--import-memory -Wl,--strip-all -Wl,-z,stack-size=0"
clang $flags $link -o "$out/kernels.wasm" kernels.c
clang $flags -matomics -mbulk-memory $link -Wl,--shared-memory -Wl,--max-memory=4294967296 \
  -o "$out/kernels-shared.wasm" kernels.c
# No data segment and no use of the stack pointer: the module must not write anywhere it was not
# pointed to (it runs on the memory of tfjs' wasm module).
for f in "$out/kernels.wasm" "$out/kernels-shared.wasm"; do
  if llvm-objdump -d "$f" | grep -q 'global\.[gs]et'; then echo "build.sh: $f touches a global (the stack)" >&2; exit 1; fi
  if llvm-objdump -h "$f" | grep -qw 'DATA'; then echo "build.sh: $f has a data section" >&2; exit 1; fi
done
node "$(dirname "$0")/embed.mjs"
