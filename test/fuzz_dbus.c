/* fuzz_dbus.c: libFuzzer over what husk reads from a D-Bus peer: the
 * message header (dbus_parse), then the body as the systemd driver reads
 * it (a JobRemoved signal: u, o, s, s; an error's message; a job's path).
 * Nothing may be read outside the message; ASan and UBSan watch. */
#include <stdlib.h>
#include <string.h>

#include "../husk.h"
#include "../dbus.h"

const char *opt_log;
bool opt_log_json, opt_debug;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 16 || dbus_msg_len(data) != size)
		return 0;
	/* an exact copy: reading one byte past it shows */
	uint8_t *buf = malloc(size);
	memcpy(buf, data, size);
	struct dbus_msg m = {0};
	if (dbus_parse(buf, size, &m) == 0) {
		if (m.body < buf || m.body + m.body_len != buf + size)
			abort(); /* invariant: the body is the message's tail */
		const char *strs[] = {m.path, m.interface, m.member, m.error, m.signature};
		for (size_t i = 0; i < 5; i++)
			if (strs[i] && ((const uint8_t *)strs[i] < buf || (const uint8_t *)strs[i] >= buf + size ||
					!memchr(strs[i], 0, size - (size_t)((const uint8_t *)strs[i] - buf))))
				abort();
		struct drd r = {.p = m.body, .n = m.body_len};
		drd_u32(&r);
		for (int i = 0; i < 3; i++) {
			const char *s = drd_str(&r);
			if (s && (size_t)((const uint8_t *)s - m.body) + strlen(s) >= m.body_len)
				abort();
		}
	}
	free(buf);
	return 0;
}
