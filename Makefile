# husk: one static binary. `make` builds ./husk, `make check` runs every test,
# `make demo` runs a container. See README.md.
#
# Cross builds: `make ARCH=arm64` (or armhf, or any Debian architecture name
# with a cross gcc, musl-dev and libseccomp-dev in Debian) builds
# build/ARCH/husk with Debian's packages only (test/deps.sh installs them:
# gcc-TRIPLET, and multiarch musl-dev:ARCH, libseccomp-dev:ARCH and
# linux-libc-dev:ARCH). Nothing here names an architecture: the triplets come
# from dpkg-architecture and gcc.
HOST_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
ARCH ?= $(HOST_ARCH)
ifeq ($(ARCH),$(HOST_ARCH))
MULTIARCH := $(shell gcc -print-multiarch)
CC = musl-gcc
OUT = .
BUILD = build
CROSS_PKGS = musl-tools
else
MULTIARCH := $(shell dpkg-architecture -a$(ARCH) -qDEB_HOST_MULTIARCH 2>/dev/null)
ifeq ($(MULTIARCH),)
$(error ARCH=$(ARCH): not an architecture dpkg-architecture knows (Debian names: arm64, armhf, riscv64, ...))
endif
# musl-dev:ARCH's specs file turns the cross gcc into its musl-gcc.
CC = $(MULTIARCH)-gcc -specs=/usr/lib/$(subst -gnu,-musl,$(MULTIARCH))/musl-gcc.specs
OUT = build/$(ARCH)
BUILD = build/$(ARCH)
CROSS_PKGS = gcc-$(MULTIARCH) musl-dev:$(ARCH) libseccomp-dev:$(ARCH) linux-libc-dev:$(ARCH)
endif
HOSTCC = gcc
# The commit a checkout builds from, for `husk --version` ("" outside git).
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null)$(shell git diff --quiet HEAD -- 2>/dev/null || echo -dirty)
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
# -flto: 6.6 KB less on arm64 (nothing on x86-64), for the 400 KB budget.
CFLAGS = -std=gnu11 -Os -flto=auto -ffunction-sections -fdata-sections $(WARN) -I$(BUILD)/include \
	-DJSMN_STRICT -DJSMN_PARENT_LINKS
# -z norelro: a static musl binary never applies PT_GNU_RELRO (only its
# dynamic loader does), and the page alignment it forces cost 25 KB on arm64.
LDFLAGS = -static -s -Wl,--gc-sections -Wl,-z,norelro
SECCOMP_A = /usr/lib/$(MULTIARCH)/libseccomp.a
# SYSTEMD=0: without the systemd cgroup driver (dbus.c; --systemd-cgroup then
# says so), 14 KB less on arm64 for a board that has no systemd.
SYSTEMD ?= 1
DBUS_SRC = $(if $(filter 0,$(SYSTEMD)),,dbus.c)
CFLAGS += $(if $(filter 0,$(SYSTEMD)),-DHUSK_NO_SYSTEMD)
SRCS = runtime.c features.c exec.c checkpoint.c guard.c manage.c spec.c json.c $(DBUS_SRC) systemd.c mount.c idmap.c safepath.c procfs.c cgroup.c cgstats.c devices.c netdev.c container.c process.c seccomp.c state.c sysctl.c label.c util.c fortify.c
HDRS = husk.h compat.h json.h safepath.h process.h dbus.h
DEPS_PKGS = $(CROSS_PKGS) libseccomp-dev libjsmn-dev busybox-static
FUZZTIME ?= 60
PREFIX ?= /usr/local
DESTDIR ?=

$(OUT)/husk: $(SRCS) $(HDRS) $(BUILD)/include/.ok build/.commit
	$(CC) $(CFLAGS) -DHUSK_COMMIT='"$(COMMIT)"' $(LDFLAGS) -o $@ $(SRCS) $(SECCOMP_A)

# Rebuilt only when the commit (husk --version names it) or SYSTEMD changes.
build/.commit: FORCE
	@mkdir -p build && echo '$(COMMIT) SYSTEMD=$(SYSTEMD)' | cmp -s - $@ || echo '$(COMMIT) SYSTEMD=$(SYSTEMD)' >$@

# musl-gcc does not see /usr/include: expose only the kernel, seccomp and jsmn
# headers, with the target's asm headers (from linux-libc-dev:ARCH).
$(BUILD)/include/.ok: $(BUILD)/.deps
	mkdir -p $(BUILD)/include
	ln -sfn /usr/include/linux /usr/include/asm-generic $(BUILD)/include/
	ln -sfn /usr/include/$(MULTIARCH)/asm $(BUILD)/include/asm
	ln -sfn /usr/include/seccomp.h /usr/include/seccomp-syscalls.h /usr/include/jsmn.h $(BUILD)/include/
	touch $@

# Install what is missing (root on Debian), or say exactly what to install.
$(BUILD)/.deps:
	@sh test/deps.sh $(DEPS_PKGS)
	@mkdir -p $(BUILD) && touch $@

# `make install [ARCH=...] [DESTDIR=...] [PREFIX=/usr/local]`: the binary
# (sbin, as runc) and the man page, nothing else; `make uninstall` removes them.
install: $(OUT)/husk
	install -D -m 755 $(OUT)/husk $(DESTDIR)$(PREFIX)/sbin/husk
	install -D -m 644 husk.8 $(DESTDIR)$(PREFIX)/share/man/man8/husk.8

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/husk $(DESTDIR)$(PREFIX)/share/man/man8/husk.8

# Fault injection: fault_point() kills husk where $$HUSK_FAULT says (test/t-faults.sh).
$(BUILD)/husk-fault: $(SRCS) $(HDRS) $(BUILD)/include/.ok
	$(CC) $(CFLAGS) -DHUSK_FAULT $(LDFLAGS) -o $@ $(SRCS) $(SECCOMP_A)

# The ASan/UBSan build: host gcc and glibc, dynamic (the sanitizers do not link statically).
husk-asan: $(SRCS) $(HDRS) build/include/.ok
	$(HOSTCC) -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer $(WARN) \
		-DJSMN_STRICT -DJSMN_PARENT_LINKS -o $@ $(SRCS) -lseccomp

build/unit_spec: test/unit_spec.c spec.c json.c sysctl.c util.c husk.h json.h build/include/.ok
	$(HOSTCC) -std=gnu11 -g -O1 -fsanitize=address,undefined $(WARN) -DJSMN_STRICT \
		-DJSMN_PARENT_LINKS -DHUSK_UNIT -o $@ test/unit_spec.c spec.c json.c sysctl.c util.c -lseccomp

# The D-Bus wire code and the systemd driver's names, against a private
# dbus-daemon (test/unit_dbus.c).
build/unit_dbus: test/unit_dbus.c systemd.c dbus.c util.c husk.h dbus.h build/include/.ok
	@sh test/deps.sh dbus-daemon
	$(HOSTCC) -std=gnu11 -g -O1 -fsanitize=address,undefined $(WARN) -DHUSK_UNIT \
		-o $@ test/unit_dbus.c dbus.c util.c

# libFuzzer over dbus_parse and the reads of the driver's signal handler.
build/fuzz_dbus: test/fuzz_dbus.c dbus.c util.c husk.h dbus.h build/include/.ok
	@sh test/deps.sh clang libclang-rt-14-dev
	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		$(WARN) -Wno-format-nonliteral -o $@ test/fuzz_dbus.c dbus.c util.c

# libFuzzer over spec_parse + spec_check_supported, with ASan and UBSan (test/fuzz.sh).
build/fuzz_spec: test/fuzz_spec.c spec.c json.c util.c $(HDRS) json.h build/include/.ok
	@sh test/deps.sh clang libclang-rt-14-dev
	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		$(WARN) -Wno-format-nonliteral -DJSMN_STRICT -DJSMN_PARENT_LINKS -o $@ test/fuzz_spec.c spec.c json.c util.c -lseccomp

# No sanitizer: for valgrind (test/valgrind.sh).
build/husk-glibc: $(SRCS) $(HDRS) build/include/.ok
	@sh test/deps.sh valgrind
	$(HOSTCC) -std=gnu11 -g -O1 $(WARN) -DJSMN_STRICT -DJSMN_PARENT_LINKS -o $@ $(SRCS) -lseccomp

# The tests' rootfs and helpers (probe, sockrecv, nosys), for ARCH too.
$(BUILD)/rootfs/.ok: test/rootfs.sh test/probe.c test/sockrecv.c test/nosys.c $(BUILD)/include/.ok
	bb=$$(sh test/busybox-arch.sh $(ARCH)) && BUSYBOX=$$bb MUSL_CC='$(CC)' sh test/rootfs.sh $(BUILD)/rootfs

check: husk build/unit_spec build/unit_dbus build/rootfs/.ok husk-asan build/fuzz_spec build/fuzz_dbus build/husk-glibc build/husk-fault
	FUZZTIME=$(FUZZTIME) sh test/check.sh

# `make fuzz FUZZTIME=3600` for a longer run; crashes land in test/fuzz-corpus/.
fuzz: build/fuzz_spec
	sh test/fuzz.sh $(FUZZTIME)

# `make check-arch ARCH=armhf`: the whole integration suite in a QEMU VM of
# that architecture (test/vm.sh under TCG; `make check` runs it for arm64).
check-arch: $(OUT)/husk $(BUILD)/rootfs/.ok $(BUILD)/husk-fault
	VM_ARCH=$(ARCH) sh test/vm.sh

# `make check-load [LOAD_ROUNDS=3] [LOAD_VM=0]`: the host suites with two
# CPU-bound loops beside them, three rounds, then the VM suites once (test/load.sh).
check-load: husk build/unit_spec build/unit_dbus build/rootfs/.ok husk-asan build/husk-fault
	sh test/load.sh

check-asan: husk-asan build/rootfs/.ok
	sh test/asan.sh

check-valgrind: build/husk-glibc build/rootfs/.ok
	sh test/valgrind.sh

# podman and containerd drive husk in a QEMU VM (Debian image cached in build/clients),
# then the same image with systemd as PID 1 (the systemd cgroup driver).
check-clients: husk build/rootfs/.ok build/husk-fault
	sh test/clients-vm.sh
	sh test/clients-vm.sh --systemd

demo: husk build/rootfs/.ok
	sh test/demo.sh

bench: husk
	sh bench/bench.sh

# issue 18: 10,000 sequential runs and 1,000 cycles with 32 containers alive;
# every figure must stay flat (bench/soak.sh; minutes, not part of `make check`).
soak: husk build/rootfs/.ok
	sh bench/soak.sh

# `make initramfs [ARCH=...] [BUNDLE=DIR]`: the initramfs kit (kit/README.md),
# build/ARCH/initramfs.cpio.gz: husk, busybox-static for ARCH, /init and the
# bundle (the demo's by default, test/demo-bundle.sh, whose config.json the
# host's husk writes).
initramfs: $(OUT)/husk
	$(MAKE) ARCH=$(HOST_ARCH) husk
	$(if $(BUNDLE),,sh test/demo-bundle.sh build/$(ARCH)/demo $(ARCH))
	bb=$$(sh test/busybox-arch.sh $(ARCH)) && \
		sh kit/mkinitramfs.sh build/$(ARCH)/initramfs.cpio.gz $(OUT)/husk "$$bb" $(or $(BUNDLE),build/$(ARCH)/demo)

# The kit booted under QEMU for x86-64 and arm64 (test/kit-vm.sh).
check-kit: husk
	sh test/kit-vm.sh

# /init to container, run against the lower bound, RSS, memmin, for each
# architecture in a QEMU VM (bench/arch.sh; `make bench` runs it too).
bench-arch: husk
	sh bench/arch.sh

fmt:
	clang-format -i *.c *.h test/*.c

clean:
	rm -rf husk husk-asan build

.PHONY: FORCE install uninstall check check-load check-arch demo bench fmt clean fuzz check-asan check-valgrind check-clients \
	initramfs check-kit bench-arch soak
