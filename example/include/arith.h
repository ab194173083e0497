#ifndef ARITH_H
#define ARITH_H

/* Adds two integers. */
long arith_add(long a, long b);

/* Multiplies two integers. */
long arith_mul(long a, long b);

#endif
