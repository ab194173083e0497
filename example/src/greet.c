#include <stdio.h>

#include "greet.h"

void greet(const char *name, char *buffer, size_t size) { snprintf(buffer, size, "Hello, %s!", name); }
