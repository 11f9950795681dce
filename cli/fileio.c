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
#include <signal.h>
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

/* ---- signals: the one temporary file that exists at a time ---- */

static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
static sigset_t cleanup_set;
static char temp_path[PATH_MAX + 32];
static volatile sig_atomic_t temp_live;

static void on_signal(int sig)
{
	if (temp_live)
		unlink(temp_path);
	/* SA_RESETHAND restored the default action: die by the same signal, so the
	 * parent sees how we ended (128+N in a shell), as gzip and xz do. */
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
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

static void block_signals(sigset_t *old) { sigprocmask(SIG_BLOCK, &cleanup_set, old); }
static void restore_signals(const sigset_t *old) { sigprocmask(SIG_SETMASK, old, NULL); }

/* ---- outputs ---- */

void out_open_stdout(out_file *out)
{
	memset(out, 0, sizeof(*out));
	out->fd = STDOUT_FILENO;
	out->is_stdout = 1;
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
	if (dir_len + base_len + 16 >= sizeof(temp_path)) {
		msg_error(path, "file name too long");
		return -1;
	}
	sigset_t old;
	block_signals(&old);
	memcpy(temp_path, path, dir_len);
	memcpy(temp_path + dir_len, base, base_len);
	strcpy(temp_path + dir_len + base_len, ".nztmp.XXXXXX");
	int fd = mkstemp(temp_path);
	int err = errno;
	if (fd >= 0)
		temp_live = 1;
	restore_signals(&old);
	if (fd < 0) {
		msg_error(path, "cannot create output: %s", strerror(err));
		return -1;
	}
	out->fd = fd;
	out->open = 1;
	return 0;
}

void out_abort(out_file *out)
{
	if (out->is_stdout || !out->open)
		return;
	sigset_t old;
	block_signals(&old);
	close(out->fd);
	unlink(temp_path);
	temp_live = 0;
	out->open = 0;
	out->fd = -1;
	restore_signals(&old);
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
		mode_t mask = umask(0);
		umask(mask);
		fchmod(out->fd, 0666 & ~mask);
	}
	if (fsync(out->fd) != 0 && errno != EINVAL && errno != EROFS) {
		msg_error(out->path, "cannot write output: %s", strerror(errno));
		out_abort(out);
		return -1;
	}
	if (close(out->fd) != 0) {
		int err = errno;
		out->fd = -1;
		sigset_t old;
		block_signals(&old);
		unlink(temp_path);
		temp_live = 0;
		out->open = 0;
		restore_signals(&old);
		msg_error(out->path, "cannot write output: %s", strerror(err));
		return -1;
	}
	out->fd = -1;

	sigset_t old;
	block_signals(&old);
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
	temp_live = 0;
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
