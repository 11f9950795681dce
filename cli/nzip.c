/*
 * nzip.c - main(): parse the command line, refuse what must be refused before any
 * work (compressed data to a terminal), then process each operand in turn. An error
 * on one file is reported and the others are still processed; the exit code is 1 if
 * any failed, 2 for usage errors.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int main(int argc, char **argv)
{
	cli_options o;
	char **operands = NULL;
	int n = 0;
	int status = cli_parse_args(argc, argv, &o, &operands, &n);
	if (status) {
		free(operands);
		if (status < 0)  /* -h, --version: done */
			return fflush(stdout) || ferror(stdout) ? EXIT_ERROR : EXIT_OK;
		return status;
	}
	msg_set_quiet(o.quiet);
	if ((status = cli_check_params(&o)) != EXIT_OK) {
		free(operands);
		return status;
	}
	progress_enable(o.progress != 0 && isatty(STDERR_FILENO) && (o.progress == 1 || !o.quiet));
	signals_install();

	static char dash[] = "-";
	if (n == 0)
		operands[n++] = dash;

	int reads_stdin = 0;
	for (int i = 0; i < n; i++)
		reads_stdin |= !strcmp(operands[i], "-");
	int writes_stdout = (o.mode == MODE_COMPRESS || o.mode == MODE_DECOMPRESS) &&
			    (o.to_stdout || (reads_stdin && !o.output));
	if (o.mode == MODE_COMPRESS && writes_stdout && isatty(STDOUT_FILENO) && !o.force) {
		msg_error(NULL, "compressed data not written to a terminal (use -f to force)");
		free(operands);
		return EXIT_ERROR;
	}

	list_totals lt;
	memset(&lt, 0, sizeof(lt));
	if (o.mode == MODE_LIST)
		list_header(o.verbose);
	for (int i = 0; i < n; i++) {
		int rc = process_operand(&o, operands[i], &lt);
		if (rc == EXIT_USAGE) {
			status = EXIT_USAGE;
			break;
		}
		if (rc)
			status = EXIT_ERROR;
	}
	if (o.mode == MODE_LIST)
		list_footer(&lt, o.verbose);
	free(operands);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		msg_error(NULL, "write error on standard output: %s", strerror(errno));
		status = EXIT_ERROR;
	}
	return status;
}
