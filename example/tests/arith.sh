#!/bin/sh
# Usage: arith.sh CALC — checks addition and multiplication.
set -e
calc="$1"
[ "$("$calc" add 2 3)" = 5 ] || { echo "add 2 3 should be 5"; exit 1; }
[ "$("$calc" add -7 7)" = 0 ] || { echo "add -7 7 should be 0"; exit 1; }
[ "$("$calc" mul 4 5)" = 20 ] || { echo "mul 4 5 should be 20"; exit 1; }
echo "arith: 3 checks passed"
