#!/bin/sh
# flaky-shard.sh TEST...: shard 1 fails on its first two attempts (counted in .attempts-1), then passes.
if [ "$STASK_SHARD_INDEX" = 1 ]; then
    n=$(cat .attempts-1 2>/dev/null || echo 0)
    n=$((n + 1))
    echo "$n" > .attempts-1
    echo "flaky-attempt $n" >> log.txt
    [ "$n" -ge 3 ] || { echo "shard 1 attempt $n fails"; exit 1; }
fi
for test in "$@"; do echo "flaky $test shard=$STASK_SHARD_INDEX" >> log.txt; done
