#include <stdio.h>
#include "nzip.h"
int main(void) { printf("nzip %s\n", nz_version_string()); return 0; }
