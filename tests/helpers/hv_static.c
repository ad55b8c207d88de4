/* hv_cpuid linked statically: no ELF interpreter, no shared libc. */
#include "hv_cpuid.c"
