# husk: one static binary. `make` builds ./husk, `make check` runs every test,
# `make demo` runs a container. See README.md.
CC = musl-gcc
HOSTCC = gcc
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
CFLAGS = -std=gnu11 -Os -ffunction-sections -fdata-sections $(WARN) -Ibuild/include \
	-DJSMN_STRICT -DJSMN_PARENT_LINKS
LDFLAGS = -static -s -Wl,--gc-sections
SECCOMP_A = /usr/lib/x86_64-linux-gnu/libseccomp.a
SRCS = runtime.c spec.c mount.c cgroup.c devices.c container.c seccomp.c state.c util.c fortify.c
HDRS = husk.h compat.h
DEPS_PKGS = musl-tools libseccomp-dev libjsmn-dev busybox-static
FUZZTIME ?= 60

husk: $(SRCS) $(HDRS) build/include/.ok
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(SRCS) $(SECCOMP_A)

# musl-gcc does not see /usr/include: expose only the kernel, seccomp and jsmn headers.
build/include/.ok: build/.deps
	mkdir -p build/include
	ln -sfn /usr/include/linux /usr/include/asm-generic build/include/
	ln -sfn /usr/include/x86_64-linux-gnu/asm build/include/asm
	ln -sfn /usr/include/seccomp.h /usr/include/seccomp-syscalls.h /usr/include/jsmn.h build/include/
	touch $@

# Install what is missing (root on Debian), or say exactly what to install.
build/.deps:
	@sh test/deps.sh $(DEPS_PKGS)
	@mkdir -p build && touch $@

# The ASan/UBSan build: host gcc and glibc, dynamic (the sanitizers do not link statically).
husk-asan: $(SRCS) $(HDRS) build/include/.ok
	$(HOSTCC) -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer $(WARN) \
		-DJSMN_STRICT -DJSMN_PARENT_LINKS -o $@ $(SRCS) -lseccomp

build/unit_spec: test/unit_spec.c spec.c util.c husk.h build/include/.ok
	$(HOSTCC) -std=gnu11 -g -O1 -fsanitize=address,undefined $(WARN) -DJSMN_STRICT \
		-DJSMN_PARENT_LINKS -DHUSK_UNIT -o $@ test/unit_spec.c spec.c util.c

build/rootfs/.ok: test/rootfs.sh test/probe.c test/sockrecv.c test/seccomp-listener.c build/.deps
	sh test/rootfs.sh build/rootfs

check: husk build/unit_spec build/rootfs/.ok
	sh test/check.sh

demo: husk build/rootfs/.ok
	sh test/demo.sh

bench: husk
	sh bench/bench.sh

fmt:
	clang-format -i *.c *.h test/*.c

clean:
	rm -rf husk husk-asan build

.PHONY: check demo bench fmt clean
