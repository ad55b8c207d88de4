/*
 * pvbus_sizes: the sizes of the structures of <pvbus.h> as the C compiler
 * lays them out, one "NAME SIZE" a line, for bindings that mirror them
 * (python/pvbus) to compare against.
 */
#include <stdio.h>

#include <pvbus.h>

int
main(void)
{
	printf("pvbus_options %zu\n", sizeof(struct pvbus_options));
	printf("pvbus_attr %zu\n", sizeof(struct pvbus_attr));
	printf("pvbus_device %zu\n", sizeof(struct pvbus_device));
	return (0);
}
