#include "arith.h"

long arith_add(long a, long b) { return a + b; }

long arith_mul(long a, long b) { return a * b; }
