#!/bin/sh
# demo.sh: what `make demo` runs. Makes the demo's bundle in build/demo
# (test/demo-bundle.sh: `husk spec`, the terminal off, a visible command)
# and runs it in the foreground with its own --root.
# Exit status: the container's.
set -e
cd "$(dirname "$0")/.."
husk=$PWD/husk
sh test/demo-bundle.sh build/demo
cd build/demo
set +e
"$husk" --root ../demo-state run "demo-$$"
status=$?
echo "(container exited with status $status)"
exit "$status"
