"""alloc.py NAME MIB SECONDS [TOGETHER]: records when NAME starts and ends (nanoseconds) around holding MIB
mebibytes, every page touched, for SECONDS, and, with TOGETHER, until that many steps have started (at most
30 s): the steps then provably overlap when the budget lets them."""
import sys
import time

name, mebibytes, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
together = int(sys.argv[4]) if len(sys.argv) > 4 else 0
with open("log.txt", "a") as log:
    log.write(f"start {name} {time.time_ns()}\n")
block = bytearray(mebibytes << 20)
for offset in range(0, len(block), 4096):
    block[offset] = 1
time.sleep(seconds)
deadline = time.monotonic() + 30
while together and time.monotonic() < deadline:
    with open("log.txt") as log:
        if sum(line.startswith("start ") for line in log) >= together:
            break
    time.sleep(0.02)
with open("log.txt", "a") as log:
    log.write(f"end {name} {time.time_ns()}\n")
