#ifndef STASK_CXXHASH_SHIM_H
#define STASK_CXXHASH_SHIM_H
#include <xxhash.h>
#endif
