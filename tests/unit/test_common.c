/*
 * test_common.c - little-endian helpers, buffer growth, checksums, error strings,
 * the big-table allocator (zero pages, alignment, the guard page after the end).
 */
#define _POSIX_C_SOURCE 200809L /* fork, waitpid */
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buffer.h"
#include "test_util.h"

/* In a child: touch p[at]; returns 0 if the child exited normally, else the
 * signal that ended it (or, under a sanitizer that catches the fault itself,
 * its exit status). */
static int touch_in_child(volatile u8 *p, size_t at)
{
	const pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		p[at] = 1;
		_exit(0);
	}
	int st = 0;
	REQUIRE(waitpid(pid, &st, 0) == pid);
	return WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st);
}

static void test_big_alloc(void)
{
	const size_t sizes[] = {1, 4096, 65536 + 3, (size_t)2 << 20, ((size_t)3 << 20) + 5};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const size_t n = sizes[i];
		u8 *p = nz_big_alloc(n);
		REQUIRE(p);
		CHECK(((uintptr_t)p & 63) == 0);
		size_t nonzero = 0;
		for (size_t j = 0; j < n; j++)
			nonzero += p[j] != 0;
		CHECK(nonzero == 0);
		memset(p, 0xA5, n);
		CHECK(p[n - 1] == 0xA5);
		/* the table's last page is writable; the page after it is not */
		const size_t page = (size_t)sysconf(_SC_PAGESIZE);
		const size_t end = (n + page - 1) / page * page;
		CHECK(touch_in_child(p, end - 1) == 0);
		CHECK(touch_in_child(p, end) != 0); /* SIGSEGV, or ASan's report */
		nz_big_free(p, n);
	}
	nz_big_free(NULL, 10); /* like free(NULL) */
	CHECK(nz_big_alloc(SIZE_MAX) == NULL);
}

int main(void)
{
	test_big_alloc();

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
