#!/bin/sh
# stamp.sh NAME SECONDS: records when NAME starts and ends (nanoseconds) around a sleep.
echo "start $1 $(date +%s%N)" >> "${STAMP_LOG:-log.txt}"
sleep "$2"
echo "end $1 $(date +%s%N)" >> "${STAMP_LOG:-log.txt}"
