#ifndef GREET_H
#define GREET_H

#include <stddef.h>

/* Writes "Hello, NAME!" into buffer (at most size bytes, always terminated). */
void greet(const char *name, char *buffer, size_t size);

#endif
