/* The device models compiled into hvsim; profiles name them. */
#include "hvsim.h"

const struct hvsim_model *const hvsim_models[] = {
	NULL
};
