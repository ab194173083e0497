#!/bin/sh
# Usage: greet.sh CALC — checks the greeting and the usage error.
set -e
calc="$1"
[ "$("$calc" greet Ada)" = "Hello, Ada!" ] || { echo "greet Ada should say Hello, Ada!"; exit 1; }
if "$calc" frobnicate 2>/dev/null; then echo "an unknown command should fail"; exit 1; fi
echo "greet: 2 checks passed"
