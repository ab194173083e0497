#!/bin/sh
# hold.sh NAME: records when NAME starts, holds its job slot until one of stask's steps has started (at
# most 60 s), then records its end: the tree's jobs then provably overlap.
echo "start $1 $(date +%s%N)" >> log.txt
tries=0
until grep -q '^start stask-' log.txt || [ "$tries" -ge 3000 ]; do
    sleep 0.02
    tries=$((tries + 1))
done
echo "end $1 $(date +%s%N)" >> log.txt
