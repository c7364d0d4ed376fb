#!/bin/bash
# The shared library exports its public API and nothing of what it is built
# from. An exported FlatBuffers, nlohmann or simdjson function lets the
# dynamic linker bind the library's own calls to a program's copy of it,
# compiled with the program's flags or headers (lib/meson.build).
#
#   exports_check.sh LIBBBSNAP.so BBSNAP.H
set -eu
symbols=$(nm -DC --defined-only "$1" | cut -d' ' -f3-)
status=0

# The C ABI (bbsnap.h): every function it declares is exported under its C
# name, and no other C name of ours is.
declared=$(grep -oE '\bbbsnap_[a-z0-9_]+\(' "$2" | tr -d '(' | sort -u)
exported_c=$(printf '%s\n' "$symbols" | grep -E '^bbsnap_[a-z0-9_]+$' | sort -u || true)
missing=$(comm -23 <(printf '%s\n' "$declared") <(printf '%s\n' "$exported_c"))
extra=$(comm -13 <(printf '%s\n' "$declared") <(printf '%s\n' "$exported_c"))
if [ -n "$missing" ]; then
  echo "declared in bbsnap.h, not exported: $missing"
  status=1
fi
if [ -n "$extra" ]; then
  echo "exported C names that bbsnap.h does not declare: $extra"
  status=1
fi
if [ "$(printf '%s\n' "$declared" | wc -l)" -lt 100 ]; then
  echo "bbsnap.h declares only $(printf '%s\n' "$declared" | wc -l) functions: is $2 the C header?"
  status=1
fi

foreign=$(printf '%s\n' "$symbols" | grep -E 'flatbuffers::|nlohmann::|simdjson::|^XXH' || true)
if [ -n "$foreign" ]; then
  echo "exported, but not the library's: $(printf '%s\n' "$foreign" | wc -l) symbols, such as"
  printf '%s\n' "$foreign" | head -5
  status=1
fi
# Internals (lib/src) stay hidden too.
for internal in 'bbsnap::checksum::' 'bbsnap::verify_file' 'bbsnap::MemorySink' 'bbsnap::parse_layout'; do
  if printf '%s\n' "$symbols" | grep -qF "$internal"; then
    echo "exported, but internal: $internal"
    status=1
  fi
done
# And the public entry points are there.
for public in 'bbsnap::Snapshot::open(' 'bbsnap::write_snapshot(' 'bbsnap::encode_snapshot(' \
              'bbsnap::SnapshotWriter::create(' 'bbsnap::json::parse_state(' 'bbsnap::Error::to_string' \
              'bbsnap::CheckpointWriter::open(' 'bbsnap::CheckpointWriter::begin(' \
              'bbsnap::GenerationWriter::add_slot(' 'bbsnap::restore_newest(' 'bbsnap::list_generations('; do
  if ! printf '%s\n' "$symbols" | grep -qF "$public"; then
    echo "not exported: $public"
    status=1
  fi
done
[ $status -eq 0 ] && echo "exports: $(printf '%s\n' "$symbols" | wc -l) symbols, all public, $(printf '%s\n' "$declared" | wc -l) of them bbsnap.h's C functions"
exit $status
