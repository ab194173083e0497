#!/bin/sh
# run-tests.sh LABEL TEST...: runs the tests one after another (one command for the whole shard).
label=$1
shift
for test in "$@"; do sh "$test" "$label" || exit 1; done
