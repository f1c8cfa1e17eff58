#!/bin/bash
# debug-kernel.sh: the debug kernel of make check's third series (Linux 6.1
# with lockdep and KASAN, in build/debug-6.1/): mk/bed-kernel.sh debug.
exec "$(dirname "$0")/bed-kernel.sh" debug "$@"
