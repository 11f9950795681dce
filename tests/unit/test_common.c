/*
 * test_common.c - little-endian helpers, buffer growth, checksums, error strings.
 */
#include "common/buffer.h"
#include "test_util.h"

int main(void)
{
	u8 b[8];
	nz_store_le64(b, 0x0123456789abcdefull);
	CHECK(b[0] == 0xef && b[7] == 0x01);
	CHECK(nz_load_le64(b) == 0x0123456789abcdefull);
	CHECK(nz_load_le32(b) == 0x89abcdefu);
	CHECK(nz_load_le16(b) == 0xcdefu);

	nz_buf buf = {0};
	for (int i = 0; i < 100000; i++) {
		u8 c = (u8)i;
		REQUIRE(nz_buf_append(&buf, &c, 1) == NZ_OK);
	}
	CHECK(buf.size == 100000 && buf.data[99999] == (u8)99999);
	CHECK(nz_buf_reserve(&buf, SIZE_MAX) == NZ_ERR_NOMEM);
	nz_buf_free(&buf);

	/* XXH64 known answers (seed 0). */
	CHECK(nz_xxh64("", 0) == 0xEF46DB3751D8E999ull);
	CHECK(nz_xxh64("a", 1) == 0xD24EC4F1A98C6E5Bull);
	nz_xxh64_state *s = nz_xxh64_create();
	REQUIRE(s);
	nz_xxh64_update(s, "a", 1);
	CHECK(nz_xxh64_digest(s) == 0xD24EC4F1A98C6E5Bull);
	nz_xxh64_free(s);

	for (int e = 0; e < NZ_ERR_COUNT_; e++)
		CHECK(strcmp(nz_error_string(e), "unknown error") != 0);
	CHECK(strcmp(nz_error_string(-1), "unknown error") == 0);
	return nz_test_finish("test_common");
}
