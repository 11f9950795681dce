/*
 * tables.c - the fixed tables (tables.h), built once per process. They depend on
 * nothing but integer code, and building them (the bit-history search above
 * all) was a few percent of creating a small model, which the many-files batch
 * mode and the fuzzers do for every input.
 */
#include <pthread.h>
#include <string.h>

#include "cm/tables.h"

static cm_tables template_tables;
static pthread_once_t template_once = PTHREAD_ONCE_INIT;

static void build_template(void)
{
	nz_cm_logistic_init(&template_tables.lg);
	nz_cm_sm_rates_init(&template_tables.r);
	nz_cm_bit_history_init(&template_tables.bh);
}

void nz_cm_tables_init(cm_tables *T)
{
	pthread_once(&template_once, build_template);
	memcpy(T, &template_tables, sizeof(*T));
}
