#!/bin/sh
# foreign.sh: runs a host that was not built by us (sh, sqlite3, python3). Under the
# sanitizer build the module needs their runtime loaded first; leaks of those hosts
# themselves are not ours to report, so leak detection is off for them only.
if [ "${SQLORM_SANITIZERS:-no}" = yes ]; then
  LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
  export LD_PRELOAD ASAN_OPTIONS
fi
exec "$@"
