/*
 * fuzz_httpd: request heads, through httpd_parse_head (the connection's
 * own parser without a socket).
 *
 * Besides not crashing: a refusal is a status the server may send with a
 * message; an accepted head has a method that is a token, a path that
 * starts with '/' (or is "*" for OPTIONS), only visible ASCII in path and
 * query, and header values without CR, LF or NUL; and the head is read
 * the same when the bytes after it change (a pipelined request or a body
 * cannot change how the head before it is read).
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "lib/util.h"
#include "net/httpd.h"

static void
check_visible(const char *s, const char *what)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		fuzz_assert(*p > 0x20 && *p < 0x7f, "%s has byte 0x%02x", what, *p);
}

static void
check_request(struct httpd_req *req)
{
	static const char *const names[] = {
	    "Host",   "Content-Length", "Transfer-Encoding", "Connection",
	    "Expect", "Content-Type",   "Authorization",     "X-A"};
	const char *m = httpd_method(req), *path = httpd_path(req);

	fuzz_assert(strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "POST") == 0,
	            "method %s was let through", m);
	fuzz_assert(path[0] == '/' || strcmp(path, "*") == 0, "path %s", path);
	check_visible(path, "the path");
	check_visible(httpd_query(req), "the query");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = httpd_header(req, names[i]);

		if (v != NULL)
			fuzz_assert(strpbrk(v, "\r\n") == NULL, "header %s has a line end",
			            names[i]);
	}
	fuzz_assert(httpd_body_len(req) == 0 && *httpd_body(req) == '\0', "a head with a body");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httpd_limits lim = {.max_body = 1 << 20, .max_headers = 16 << 10};
	struct httpd_req *req, *req2;
	const char *msg, *msg2;
	size_t used, used2;
	int status, status2, rc, rc2;
	char *copy;

	rc = httpd_parse_head((const char *)data, size, &lim, &req, &used, &status, &msg);
	fuzz_assert(used <= size, "used %zu of %zu bytes", used, size);
	if (rc < 0) {
		fuzz_assert(status >= 400 && status <= 599 && msg != NULL && *msg != '\0',
		            "refused with %d", status);
		return 0;
	}
	if (rc == 0) {
		fuzz_assert(req == NULL, "an incomplete head gave a request");
		return 0;
	}
	check_request(req);
	/* the same head followed by other bytes */
	copy = xmalloc(used + 8);
	memcpy(copy, data, used);
	memcpy(copy + used, "GARBAGE\n", 8);
	rc2 = httpd_parse_head(copy, used + 8, &lim, &req2, &used2, &status2, &msg2);
	fuzz_assert(rc2 == 1 && used2 == used, "the bytes after a head changed it");
	fuzz_assert(strcmp(httpd_path(req), httpd_path(req2)) == 0 &&
	                strcmp(httpd_query(req), httpd_query(req2)) == 0,
	            "the bytes after a head changed it");
	httpd_req_free(req2);
	free(copy);
	httpd_req_free(req);
	return 0;
}
