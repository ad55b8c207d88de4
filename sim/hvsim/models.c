/* The device models compiled into hvsim; profiles name them. */
#include "hvsim.h"

extern const struct hvsim_model hvsim_model_vmware;
extern const struct hvsim_model hvsim_model_debugcon;

const struct hvsim_model *const hvsim_models[] = {
	&hvsim_model_vmware,
	&hvsim_model_debugcon,
	NULL
};
