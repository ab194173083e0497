// Placeholder: the benchmark is written by the pool-runner work.
import AsyncStreams
print(ResourceCost.defaultTaskCost)
