#!/bin/sh
# A test taking 0.01 s: logs "$1 <this file> shard=$STASK_SHARD_INDEX" to log.txt.
sleep 0.01
echo "$1 tests/t02.sh shard=$STASK_SHARD_INDEX" >> log.txt
