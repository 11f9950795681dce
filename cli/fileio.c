/*
 * fileio.c - reading and writing with retries, and outputs that appear whole or not
 * at all: data goes to a temporary file beside the target, which is fsync'ed and
 * renamed over the target on success, and removed on any error or signal.
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ---- signals: every temporary file that exists ----
 *
 * Several jobs may each have a temporary output (cli/batch.c), and a signal may be
 * delivered to any thread, so each temporary file has a slot the handler can read
 * without locks. A slot is FREE, BUSY (its owner is creating, renaming or removing
 * the file: its thread blocks the signals meanwhile, so the handler runs elsewhere
 * and waits the few microseconds it takes) or LIVE (the file exists: the handler
 * removes it). Once the handler has started, `dying` stops new files from being
 * created, so none appears behind its back. */

enum { TEMP_FREE, TEMP_BUSY, TEMP_LIVE };

static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
static sigset_t cleanup_set;
static struct temp_slot {
	atomic_int state;
	char path[PATH_MAX + 32];
} temps[CLI_MAX_JOBS + 1];
static atomic_int dying;

static void on_signal(int sig)
{
	atomic_store(&dying, 1);
	for (size_t i = 0; i < sizeof(temps) / sizeof(temps[0]); i++) {
		int s;
		while ((s = atomic_load(&temps[i].state)) == TEMP_BUSY)
			;  /* its owner finishes in microseconds, with this signal blocked */
		if (s == TEMP_LIVE)
			unlink(temps[i].path);
	}
	/* SA_RESETHAND restored the default action: die by the same signal, so the
	 * parent sees how we ended (128+N in a shell), as gzip and xz do. */
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	raise(sig);
	_exit(EXIT_ERROR);
}

void signals_install(void)
{
	sigemptyset(&cleanup_set);
	for (size_t i = 0; i < sizeof(cleanup_signals) / sizeof(cleanup_signals[0]); i++) {
		int sig = cleanup_signals[i];
		sigaddset(&cleanup_set, sig);
		struct sigaction old;
		/* A signal ignored by our parent (nohup, a background job) stays ignored. */
		if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigfillset(&sa.sa_mask);
		sa.sa_flags = SA_RESETHAND;
		sigaction(sig, &sa, NULL);
	}
}

static void block_signals(sigset_t *old) { pthread_sigmask(SIG_BLOCK, &cleanup_set, old); }
static void restore_signals(const sigset_t *old) { pthread_sigmask(SIG_SETMASK, old, NULL); }

/* Take a free slot and mark it BUSY (signals must be blocked). NULL if none is free
 * or a signal handler has started. */
static struct temp_slot *slot_take(void)
{
	for (size_t i = 0; i < sizeof(temps) / sizeof(temps[0]); i++) {
		int expected = TEMP_FREE;
		if (atomic_compare_exchange_strong(&temps[i].state, &expected, TEMP_BUSY)) {
			if (atomic_load(&dying)) {
				atomic_store(&temps[i].state, TEMP_FREE);
				return NULL;
			}
			return &temps[i];
		}
	}
	return NULL;
}

/* The process's umask, read once (umask() can only be read by setting it, which
 * would race with other threads creating files). */
static mode_t process_umask;
static pthread_once_t umask_once = PTHREAD_ONCE_INIT;
static void read_umask(void)
{
	process_umask = umask(0);
	umask(process_umask);
}

void fileio_init(void) { pthread_once(&umask_once, read_umask); }

/* ---- outputs ---- */

void out_open_stdout(out_file *out)
{
	memset(out, 0, sizeof(*out));
	out->fd = STDOUT_FILENO;
	out->is_stdout = 1;
}

int out_open_device(out_file *out, const char *path)
{
	memset(out, 0, sizeof(*out));
	out->fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (out->fd < 0) {
		msg_error(path, "cannot open output: %s", strerror(errno));
		return -1;
	}
	out->is_stdout = 1;
	out->own_fd = 1;
	out->path = path;
	return 0;
}

int out_open_temp(out_file *out, const char *path)
{
	memset(out, 0, sizeof(*out));
	out->fd = -1;
	out->path = path;

	/* "<dir>/<base>.nztmp.XXXXXX": in the target's directory so rename is atomic,
	 * visible so a leftover after SIGKILL is found; base cut short so the name fits. */
	const char *slash = strrchr(path, '/');
	size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = path + dir_len;
	size_t base_len = strlen(base);
	if (base_len > 200)
		base_len = 200;
	if (dir_len + base_len + 16 >= sizeof(temps[0].path)) {
		msg_error(path, "file name too long");
		return -1;
	}
	sigset_t old;
	block_signals(&old);
	struct temp_slot *t = slot_take();
	if (!t) {
		restore_signals(&old);
		msg_error(path, "cannot create output: too many temporary files");
		return -1;
	}
	memcpy(t->path, path, dir_len);
	memcpy(t->path + dir_len, base, base_len);
	strcpy(t->path + dir_len + base_len, ".nztmp.XXXXXX");
	int fd = mkstemp(t->path);
	int err = errno;
	atomic_store(&t->state, fd >= 0 ? TEMP_LIVE : TEMP_FREE);
	restore_signals(&old);
	if (fd < 0) {
		msg_error(path, "cannot create output: %s", strerror(err));
		return -1;
	}
	out->fd = fd;
	out->open = 1;
	out->temp = t;
	return 0;
}

/* Remove the temporary file and free its slot. */
static void temp_remove(out_file *out)
{
	sigset_t old;
	block_signals(&old);
	atomic_store(&out->temp->state, TEMP_BUSY);
	unlink(out->temp->path);
	atomic_store(&out->temp->state, TEMP_FREE);
	out->temp = NULL;
	out->open = 0;
	restore_signals(&old);
}

void out_abort(out_file *out)
{
	if (out->own_fd && out->fd >= 0) {
		close(out->fd);
		out->fd = -1;
	}
	if (out->is_stdout || !out->open)
		return;
	if (out->fd >= 0)
		close(out->fd);
	out->fd = -1;
	temp_remove(out);
}

/* fsync the directory holding path, so the rename survives a crash. */
static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == path)
		strcpy(dir, "/");
	else {
		size_t n = (size_t)(slash - path);
		if (n >= sizeof(dir))
			return;
		memcpy(dir, path, n);
		dir[n] = 0;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);  /* best effort: some filesystems refuse fsync on directories */
		close(fd);
	}
}

int out_commit(out_file *out, const struct stat *st, int replace)
{
	if (out->own_fd) {
		const int rc = close(out->fd);
		out->fd = -1;
		if (rc != 0) {
			msg_error(out->path, "cannot write output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (out->is_stdout)
		return 0;
	if (st) {
		/* Like gzip: the owner (when allowed), the mode, then the times. */
		if (fchown(out->fd, st->st_uid, st->st_gid) != 0 &&
		    fchown(out->fd, (uid_t)-1, st->st_gid) != 0) {
			/* not ours to give away: keep our own ids */
		}
		fchmod(out->fd, st->st_mode & 07777);
		struct timespec times[2] = {st->st_atim, st->st_mtim};
		futimens(out->fd, times);
	} else {
		fileio_init();
		fchmod(out->fd, 0666 & ~process_umask);
	}
	if (fsync(out->fd) != 0 && errno != EINVAL && errno != EROFS) {
		msg_error(out->path, "cannot write output: %s", strerror(errno));
		out_abort(out);
		return -1;
	}
	if (close(out->fd) != 0) {
		int err = errno;
		out->fd = -1;
		temp_remove(out);
		msg_error(out->path, "cannot write output: %s", strerror(err));
		return -1;
	}
	out->fd = -1;

	sigset_t old;
	block_signals(&old);
	struct temp_slot *t = out->temp;
	atomic_store(&t->state, TEMP_BUSY);  /* the handler must not race the rename */
	const char *temp_path = t->path;
	int rc, err = 0;
	if (replace) {
		rc = rename(temp_path, out->path);
		err = errno;
	} else {
		/* link() fails if the name appeared meanwhile: never replace a file
		 * without -f, even one created while we were compressing. */
		rc = link(temp_path, out->path);
		err = errno;
		if (rc == 0) {
			unlink(temp_path);
		} else if (err != EEXIST) {
			/* No hard links here (some filesystems): check, then rename. */
			struct stat tmp;
			if (lstat(out->path, &tmp) == 0) {
				err = EEXIST;
			} else {
				rc = rename(temp_path, out->path);
				err = errno;
			}
		}
	}
	if (rc != 0)
		unlink(temp_path);
	atomic_store(&t->state, TEMP_FREE);
	out->temp = NULL;
	out->open = 0;
	restore_signals(&old);
	if (rc != 0) {
		if (err == EEXIST)
			msg_error(out->path, "already exists; not overwritten (use -f to overwrite)");
		else
			msg_error(out->path, "cannot create output: %s", strerror(err));
		return -1;
	}
	sync_dir(out->path);
	return 0;
}
