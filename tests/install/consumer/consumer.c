/*
 * consumer.c - a program outside the nzip tree, built against an installed nzip
 * (pkg-config or find_package; tests/install/install_test.sh). It compresses a
 * buffer with two models through the public API, decompresses it and compares the
 * bytes; exit 0 only if every round trip is exact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nzip.h>

static int roundtrip(const char *model, const unsigned char *src, size_t n)
{
	nz_params p;
	int rc = nz_params_init(&p, 1);
	if (rc == NZ_OK && model)
		rc = nz_params_set_model(&p, model);
	size_t cap = nz_compress_bound(n), csize = 0, dsize = 0;
	unsigned char *c = malloc(cap), *d = malloc(n + 1);
	if (rc == NZ_OK && (!c || !d))
		rc = NZ_ERR_NOMEM;
	if (rc == NZ_OK)
		rc = nz_compress(c, cap, &csize, src, n, &p);
	if (rc == NZ_OK)
		rc = nz_decompress(d, n + 1, &dsize, c, csize, NULL);
	int ok = rc == NZ_OK && dsize == n && memcmp(src, d, n) == 0;
	printf("consumer: %s: %zu -> %zu -> %zu bytes: %s\n", model ? model : "level 1", n,
	       csize, dsize, ok ? "ok" : rc ? nz_error_string(rc) : "DIFFERENT BYTES");
	free(c);
	free(d);
	return ok;
}

int main(void)
{
	if (strcmp(nz_version_string(), NZ_VERSION_STRING) != 0) {
		printf("consumer: header %s, library %s\n", NZ_VERSION_STRING, nz_version_string());
		return 1;
	}
	static unsigned char text[20000];
	unsigned x = 1;
	for (size_t i = 0; i < sizeof(text); i++) {
		x = x * 1103515245u + 12345u;
		text[i] = (unsigned char)("the quick brown fox "[i % 20] ^ ((x >> 28) == 0));
	}
	int ok = roundtrip("order2", text, sizeof(text));
	ok &= roundtrip(NULL, text, sizeof(text));
	return ok ? 0 : 1;
}
