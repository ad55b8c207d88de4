/*
 * The floor of starting a program: it does nothing.  The benchmark links it
 * statically (nothing to map or relocate) and, for comparison, dynamically
 * against libbsd as hostctl is.
 */
int
main(void)
{
	return (0);
}
