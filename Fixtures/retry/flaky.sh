#!/bin/sh
# Fails on its first two attempts and passes on the third; counts attempts in .attempts.
n=$(cat .attempts 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > .attempts
echo "start flaky-$n $(date +%s%N)" >> log.txt
echo "flaky attempt $n"
echo "end flaky-$n $(date +%s%N)" >> log.txt
[ "$n" -ge 3 ]
