#!/bin/sh
# A test taking 0.03 s: logs "$1 <this file> shard=$STASK_SHARD_INDEX" to log.txt.
sleep 0.03
echo "$1 tests/t01.sh shard=$STASK_SHARD_INDEX" >> log.txt
