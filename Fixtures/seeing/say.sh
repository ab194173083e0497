#!/bin/sh
# Logs the task's name, then prints three numbered lines, pausing between them so that status-line
# redraws have a chance to land in the middle if output were not buffered whole.
echo "$1" >> log.txt
for i in 1 2 3; do
  echo "line $i of $1"
  sleep 0.05
done
