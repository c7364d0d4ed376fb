#!/bin/bash
# Every function the C header declares is called by the C test: a function
# added to bbsnap.h without a test fails here.
#
#   covers_header.sh BBSNAP.H CAPI_TEST.C
set -eu
declared=$(grep -oE '\bbbsnap_[a-z0-9_]+\(' "$1" | tr -d '(' | sort -u)
called=$(grep -oE '\bbbsnap_[a-z0-9_]+\b' "$2" | sort -u)
missing=$(comm -23 <(printf '%s\n' "$declared") <(printf '%s\n' "$called"))
if [ -n "$missing" ]; then
  echo "declared in $1 but never called by $2:"
  printf '  %s\n' $missing
  exit 1
fi
echo "capi_test.c calls all $(printf '%s\n' "$declared" | wc -l) functions of bbsnap.h"
