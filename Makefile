# husk: one static binary. `make` builds ./husk, `make check` runs every test,
# `make demo` runs a container. See README.md.
CC = musl-gcc
HOSTCC = gcc
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
CFLAGS = -std=gnu11 -Os -ffunction-sections -fdata-sections $(WARN) -Ibuild/include \
	-DJSMN_STRICT -DJSMN_PARENT_LINKS
LDFLAGS = -static -s -Wl,--gc-sections
SECCOMP_A = /usr/lib/x86_64-linux-gnu/libseccomp.a
SRCS = runtime.c guard.c manage.c spec.c json.c mount.c safepath.c procfs.c cgroup.c cgstats.c devices.c container.c process.c seccomp.c state.c sysctl.c util.c fortify.c
HDRS = husk.h compat.h json.h safepath.h process.h
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

# Fault injection: fault_point() kills husk where $$HUSK_FAULT says (test/t-faults.sh).
build/husk-fault: $(SRCS) $(HDRS) build/include/.ok
	$(CC) $(CFLAGS) -DHUSK_FAULT $(LDFLAGS) -o $@ $(SRCS) $(SECCOMP_A)

# The ASan/UBSan build: host gcc and glibc, dynamic (the sanitizers do not link statically).
husk-asan: $(SRCS) $(HDRS) build/include/.ok
	$(HOSTCC) -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer $(WARN) \
		-DJSMN_STRICT -DJSMN_PARENT_LINKS -o $@ $(SRCS) -lseccomp

build/unit_spec: test/unit_spec.c spec.c json.c sysctl.c util.c husk.h json.h build/include/.ok
	$(HOSTCC) -std=gnu11 -g -O1 -fsanitize=address,undefined $(WARN) -DJSMN_STRICT \
		-DJSMN_PARENT_LINKS -DHUSK_UNIT -o $@ test/unit_spec.c spec.c json.c sysctl.c util.c -lseccomp

# libFuzzer over spec_parse + spec_check_supported, with ASan and UBSan (test/fuzz.sh).
build/fuzz_spec: test/fuzz_spec.c spec.c json.c util.c $(HDRS) json.h build/include/.ok
	@sh test/deps.sh clang libclang-rt-14-dev
	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		$(WARN) -Wno-format-nonliteral -DJSMN_STRICT -DJSMN_PARENT_LINKS -o $@ test/fuzz_spec.c spec.c json.c util.c -lseccomp

# No sanitizer: for valgrind (test/valgrind.sh).
build/husk-glibc: $(SRCS) $(HDRS) build/include/.ok
	@sh test/deps.sh valgrind
	$(HOSTCC) -std=gnu11 -g -O1 $(WARN) -DJSMN_STRICT -DJSMN_PARENT_LINKS -o $@ $(SRCS) -lseccomp

build/rootfs/.ok: test/rootfs.sh test/probe.c test/sockrecv.c test/nosys.c build/include/.ok
	sh test/rootfs.sh build/rootfs

check: husk build/unit_spec build/rootfs/.ok husk-asan build/fuzz_spec build/husk-glibc build/husk-fault
	FUZZTIME=$(FUZZTIME) sh test/check.sh

# `make fuzz FUZZTIME=3600` for a longer run; crashes land in test/fuzz-corpus/.
fuzz: build/fuzz_spec
	sh test/fuzz.sh $(FUZZTIME)

check-asan: husk-asan build/rootfs/.ok
	sh test/asan.sh

check-valgrind: build/husk-glibc build/rootfs/.ok
	sh test/valgrind.sh

# podman and containerd drive husk in a QEMU VM (Debian image cached in build/clients).
check-clients: husk build/rootfs/.ok
	sh test/clients-vm.sh

demo: husk build/rootfs/.ok
	sh test/demo.sh

bench: husk
	sh bench/bench.sh

fmt:
	clang-format -i *.c *.h test/*.c

clean:
	rm -rf husk husk-asan build

.PHONY: check demo bench fmt clean fuzz check-asan check-valgrind check-clients
