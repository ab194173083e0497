#!/bin/sh
# A test taking 0.06 s: logs "$1 <this file> shard=$STASK_SHARD_INDEX" to log.txt.
sleep 0.06
echo "$1 tests/t04.sh shard=$STASK_SHARD_INDEX" >> log.txt
