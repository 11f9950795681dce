/*
 * error.c - error strings and the version string.
 */
#include "common/common.h"

static const char *const error_strings[NZ_ERR_COUNT_] = {
	[NZ_OK] = "success",
	[NZ_ERR_GENERIC] = "error",
	[NZ_ERR_NOMEM] = "out of memory",
	[NZ_ERR_PARAM] = "invalid parameter",
	[NZ_ERR_NOT_NZIP] = "not in nzip format",
	[NZ_ERR_VERSION] = "unsupported format version (made by a newer nzip?)",
	[NZ_ERR_UNSUPPORTED] = "unsupported model, flag or parameter in header",
	[NZ_ERR_CORRUPT] = "compressed data is corrupt",
	[NZ_ERR_TRUNCATED] = "unexpected end of input (truncated file?)",
	[NZ_ERR_CHECKSUM] = "checksum mismatch: data is corrupt",
	[NZ_ERR_DST_SIZE] = "output buffer too small",
	[NZ_ERR_MEMLIMIT] = "decoding needs more memory than the limit allows",
	[NZ_ERR_STAGE] = "function called at the wrong stage",
	[NZ_ERR_CANCELLED] = "cancelled",
	[NZ_ERR_THREAD] = "cannot start a thread",
	[NZ_ERR_STRUCT_SIZE] = "parameter struct_size unknown (not set by its _init function?)",
};

const char *nz_error_string(int code)
{
	if (code < 0 || code >= NZ_ERR_COUNT_ || !error_strings[code])
		return "unknown error";
	return error_strings[code];
}

const char *nz_version_string(void) { return NZ_VERSION_STRING; }
