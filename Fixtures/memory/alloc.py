"""alloc.py NAME MIB SECONDS: records when NAME starts and ends (nanoseconds) around holding MIB mebibytes,
every page touched, for SECONDS."""
import sys
import time

name, mebibytes, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
with open("log.txt", "a") as log:
    log.write(f"start {name} {time.time_ns()}\n")
block = bytearray(mebibytes << 20)
for offset in range(0, len(block), 4096):
    block[offset] = 1
time.sleep(seconds)
with open("log.txt", "a") as log:
    log.write(f"end {name} {time.time_ns()}\n")
