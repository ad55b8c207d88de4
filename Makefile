# pvbus: libpvbus, hostctl, pvbusd and the hypervisor lab.
#
#   make run     install build dependencies (as root), build, print the tree
#   make check   install test dependencies (as root), build, run every lane
#   make SAN=1   the same build with ASan and UBSan, in build-san/
#   make check LANES="unit cli"   only some lanes (unit cli peer valgrind vm)
#   make install [DESTDIR=... PREFIX=/usr LIBDIR=...]
#   make static  build/static/hostctl and build/static/pvbusd, linked
#                statically
#   make deb     the Debian packages, into build/deb/
#   make CROSS_COMPILE=aarch64-linux-gnu-   the same for arm64, into
#                build-aarch64/ (build-CPU/ for another CROSS_COMPILE)

# A cross build: the target's compiler, archiver and pkg-config files, and
# a build directory of its own.  Only the target's multiarch libraries
# (libbsd-dev:arm64, ...) are linked; tools/deps cross installs them.
ifneq ($(CROSS_COMPILE),)
TRIPLET	:= $(patsubst %-,%,$(CROSS_COMPILE))
TARGET_CPU := $(firstword $(subst -, ,$(TRIPLET)))
ifeq ($(origin CC),default)
CC	:= $(CROSS_COMPILE)gcc
endif
ifeq ($(origin AR),default)
AR	:= $(CROSS_COMPILE)ar
endif
BUILD	?= build-$(TARGET_CPU)
PKG_CONFIG := PKG_CONFIG_LIBDIR=/usr/lib/$(TRIPLET)/pkgconfig:/usr/share/pkgconfig \
	   PKG_CONFIG_SYSROOT_DIR= pkg-config
endif
BUILD	?= build
CC	?= cc
PKG_CONFIG ?= pkg-config
CFLAGS	?= -O2 -g
CFLAGS	+= -std=gnu11 -Wall -Wextra -fPIC
CPPFLAGS += -D_GNU_SOURCE -DLIBBSD_NETBSD_VIS -Iinclude -Ilib
LDLIBS	+= -lbsd

ifeq ($(SAN),1)
BUILD	:= $(BUILD)-san
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
LDFLAGS	+= -fsanitize=address,undefined
endif

# VERSION is the release; debian/changelog names the same one.
VERSION	:= 0.1.0
SOMAJOR	:= 0
SOVER	:= $(SOMAJOR).1.0

# Extra flags and libraries of single programs.
CFLAGS_pvbusd	= $(shell $(PKG_CONFIG) --cflags fuse3 2>/dev/null)
LIBS_pvbusd	= $(shell $(PKG_CONFIG) --libs fuse3 2>/dev/null)
# The Xen agent publishes the release as the tools' version.
CFLAGS_pvbusd	+= -DPVBUSD_VERSION='"$(VERSION)"'
LIBS_hvsim	= -lcapstone
# A test helper linked statically (the sanitizers cannot link so).
LDFLAGS_hv_static = $(if $(filter 1,$(SAN)),,-static)

# What is x86 by nature stays out of a build for another CPU: hvsim traces
# x86 programs through x86 registers, hv_cpuid and hv_static execute CPUID
# and port I/O for its tests, and vmware_rpc's unit test drives hvsim's
# VMware model.  The library builds everywhere: lib/arch/ answers for the
# instructions a CPU lacks.
MACHINE	:= $(shell $(CC) -dumpmachine 2>/dev/null)
ifeq ($(filter x86_64-% i386-% i486-% i586-% i686-%,$(MACHINE)),)
X86_ONLY := hvsim hv_cpuid hv_static vmware_rpc
endif

LIB_SRCS	:= $(sort $(wildcard lib/*.c lib/*/*.c))
LIB_OBJS	:= $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CMDS		:= $(notdir $(wildcard cmd/*))
SIMS		:= $(filter-out $(X86_ONLY),$(patsubst sim/%/,%,$(wildcard sim/*/)))
UNIT_SRCS	:= $(wildcard tests/unit/*.c)
UNITS		:= $(filter-out $(X86_ONLY:%=$(BUILD)/tests/%),$(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%))
HELPER_SRCS	:= $(wildcard tests/helpers/*.c)
HELPERS		:= $(filter-out $(X86_ONLY:%=$(BUILD)/tests/%),$(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/%))
FUZZ_TARGETS	:= $(filter-out replay,$(patsubst fuzz/%.c,%,$(wildcard fuzz/*.c)))
FUZZERS		:= $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
REPLAYS		:= $(FUZZ_TARGETS:%=$(BUILD)/tests/replay_%)
PRELOAD_SRCS	:= $(wildcard tests/preload/*.c sim/kvphost/preload/*.c)
PRELOADS	:= $(patsubst %.c,$(BUILD)/%.so,$(notdir $(PRELOAD_SRCS)))
HEADERS		:= $(wildcard include/*.h include/*/*/*.h lib/*.h lib/*/*.h \
		     cmd/*/*.h sim/*.h sim/*/*.h fuzz/*.h tests/*.h)
# The benchmark's programs; the libxenstore loop only where libxen-dev is.
BENCH_PROGS	:= pair xsrelay floor_static floor_bsd floor_libc xs_pvbus \
		   $(if $(shell $(PKG_CONFIG) --exists xenstore 2>/dev/null && echo y),xs_libxen)
BENCHES		:= $(BENCH_PROGS:%=$(BUILD)/bench/%)

.PHONY: all product static deb symbols run check check-vm deps deps-test \
	bench fuzz lint install clean arm64 arm64-lane

PREFIX	?= /usr
SBINDIR	 = $(PREFIX)/sbin
LIBDIR	 = $(PREFIX)/lib
INCDIR	 = $(PREFIX)/include
MANDIR	 = $(PREFIX)/share/man
UNITDIR	 = $(PREFIX)/lib/systemd/system
PCDIR	 = $(LIBDIR)/pkgconfig

# What make install installs (and the Debian packages ship).
PRODUCT	:= $(BUILD)/libpvbus.a $(BUILD)/libpvbus.so $(BUILD)/hostctl \
	   $(BUILD)/pvbusd
# libpvbus(3) names every function; each gets its manual as a link.
MAN3_LINKS := $(shell sed -n 's/^\.Nm \(pvbus_[a-z_]*\).*/\1/p' man/libpvbus.3)
# The sanitizers cannot link statically.
STATIC	:= $(if $(filter 1,$(SAN)),,$(BUILD)/static/hostctl)
# A cross build's programs run in guests without the target's shared
# libraries (tests/vm): pvbusd static too, and the conformance program as
# the x86 guest builds it.
ifneq ($(CROSS_COMPILE),)
STATIC	+= $(if $(filter 1,$(SAN)),,$(BUILD)/static/pvbusd)
LDFLAGS_pvconform = $(if $(filter 1,$(SAN)),,-static)
endif

all: $(PRODUCT) $(CMDS:%=$(BUILD)/%) $(STATIC) \
	$(SIMS:%=$(BUILD)/%) $(UNITS) $(REPLAYS) $(HELPERS) $(PRELOADS) \
	$(BENCHES) $(if $(CROSS_COMPILE),,arm64)

# What the cli lane runs of the arm64 build (tests/cli/arm64.sh, under
# qemu-aarch64) and the vm lane's arm64 guest (tests/vm/arm64_*.sh), made
# with every native build; the whole of it is
# make CROSS_COMPILE=aarch64-linux-gnu-.
ARM64_CROSS	:= aarch64-linux-gnu-
ARM64_BUILD	:= build-aarch64
arm64:
	@$(MAKE) --no-print-directory CROSS_COMPILE=$(ARM64_CROSS) SAN= \
	    BUILD=$(ARM64_BUILD) arm64-lane

arm64-lane: $(BUILD)/hostctl $(BUILD)/static/hostctl $(BUILD)/pvbusd
	@:

product: $(PRODUCT)

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CFLAGS_$(word 2,$(subst /, ,$<))) -c -o $@ $<

$(BUILD)/libpvbus.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/libpvbus.so.$(SOVER): $(LIB_OBJS) lib/libpvbus.map
	$(CC) -shared -Wl,-soname,libpvbus.so.$(SOMAJOR) \
	    -Wl,--version-script=lib/libpvbus.map $(LDFLAGS) -o $@ \
	    $(LIB_OBJS) $(LDLIBS)

$(BUILD)/libpvbus.so: $(BUILD)/libpvbus.so.$(SOVER)
	ln -sf libpvbus.so.$(SOVER) $(BUILD)/libpvbus.so.$(SOMAJOR)
	ln -sf libpvbus.so.$(SOVER) $@

# Every directory under cmd/ and sim/ is one program of the same name.
define program
$(BUILD)/$(1): $$(patsubst %.c,$(BUILD)/obj/%.o,$$(wildcard $(2)/$(1)/*.c)) $(BUILD)/libpvbus.a
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LIBS_$(1)) $$(LDLIBS)
endef
$(foreach p,$(CMDS),$(eval $(call program,$(p),cmd)))
$(foreach p,$(SIMS),$(eval $(call program,$(p),sim)))

# hostctl for initramfs images and generators: no shared library at all.
# pvbusd likewise, for the benchmark's footprint rows; not part of a native
# all, as static glibc warns that getgrnam and libfuse's module loader would
# need the shared libraries of the same glibc at run time.
static: $(BUILD)/static/hostctl $(BUILD)/static/pvbusd

$(BUILD)/static/hostctl: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard cmd/hostctl/*.c)) $(BUILD)/libpvbus.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -static -o $@ $^ $(shell $(PKG_CONFIG) --static --libs libbsd)

$(BUILD)/static/pvbusd: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard cmd/pvbusd/*.c)) $(BUILD)/libpvbus.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -static -o $@ $^ \
	    $(shell $(PKG_CONFIG) --static --libs fuse3 libbsd)

# The code outside lib/ that a unit test links, as objects.
UNIT_OBJS_vmware_rpc	= sim/hvsim/vmware_host.o sim/hvsim/secure_rpc.o \
			  sim/hvsim/vmware_tools.o sim/hvsim/nicinfo.o
UNIT_OBJS_pvbusd_xfer	= cmd/pvbusd/xfer.o
UNIT_OBJS_nicinfo_host	= sim/hvsim/nicinfo.o
UNIT_OBJS_kvpd_msg	= cmd/pvbusd/kvp_msg.o cmd/pvbusd/kvp_pools.o \
			  cmd/pvbusd/kvp_auto.o cmd/pvbusd/kvp_ip.o \
			  cmd/pvbusd/machine.o cmd/pvbusd/log.o cmd/pvbusd/proc.o
unit_objs = $(addprefix $(BUILD)/obj/,$(UNIT_OBJS_$(1)))

.SECONDEXPANSION:
$(BUILD)/tests/%: tests/unit/%.c $$(call unit_objs,$$*) $(BUILD)/libpvbus.a \
	    $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(call unit_objs,$*) $(BUILD)/libpvbus.a $(LDLIBS)

# A fuzz target and fuzz/replay.c: its corpus and mutations in the unit lane.
$(BUILD)/tests/replay_%: $(BUILD)/obj/fuzz/replay.o $(BUILD)/obj/fuzz/%.o \
	    $(BUILD)/libpvbus.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
.SECONDARY: $(patsubst %,$(BUILD)/obj/fuzz/%.o,$(FUZZ_TARGETS) replay)

$(BUILD)/tests/%: tests/helpers/%.c $(BUILD)/libpvbus.a $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests $(CFLAGS) $(LDFLAGS) $(LDFLAGS_$*) -o $@ $< $(BUILD)/libpvbus.a $(LDLIBS)

# Preloaded into programs built without the sanitizers (the peers'), so
# built without them.
PRELOAD_CFLAGS	= $(filter-out -fsanitize=%,$(CFLAGS))

$(BUILD)/%.so: tests/preload/%.c
	$(CC) $(CPPFLAGS) $(PRELOAD_CFLAGS) -shared -o $@ $< -ldl

$(BUILD)/%.so: sim/kvphost/preload/%.c
	$(CC) $(CPPFLAGS) $(PRELOAD_CFLAGS) -shared -o $@ $< -ldl

# The benchmark's harness and floors are built without the sanitizers: they
# measure, and the floor must be static.
BENCH_CFLAGS	= $(filter-out -fsanitize=%,$(CFLAGS))

$(BUILD)/bench/pair $(BUILD)/bench/xsrelay: $(BUILD)/bench/%: tests/bench/%.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BUILD)/bench/floor_static: tests/bench/floor.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -static -o $@ $<

$(BUILD)/bench/floor_bsd: tests/bench/floor.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -Wl,--no-as-needed -o $@ $< -lbsd

$(BUILD)/bench/floor_libc: tests/bench/floor.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BUILD)/bench/xs_pvbus: tests/bench/xs_pvbus.c tests/bench/xs_loop.h \
	    $(BUILD)/libpvbus.a $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libpvbus.a \
	    $(LDLIBS)

$(BUILD)/bench/xs_libxen: tests/bench/xs_libxen.c tests/bench/xs_loop.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(shell $(PKG_CONFIG) --libs xenstore)

# libFuzzer targets (clang), one per file in fuzz/ but replay.c.

fuzz: $(FUZZERS)

$(BUILD)/fuzz/%: fuzz/%.c $(LIB_SRCS) $(HEADERS)
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -DPVBUS_LIBFUZZER \
	    $(CPPFLAGS) -o $@ $< $(LIB_SRCS) -lbsd

deps:
	@tools/deps build cross

deps-test:
	@tools/deps build cross test

run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/hostctl -l

check: deps-test
	@$(MAKE) --no-print-directory all
	@tests/run $(BUILD) $(LANES)

check-vm: deps-test
	@$(MAKE) --no-print-directory all
	@tests/run $(BUILD) vm

# Every benchmark against its peer, with a table and $(BUILD)/bench.json.
bench: deps-test
	@$(MAKE) --no-print-directory all $(if $(filter 1,$(SAN)),,$(BUILD)/static/pvbusd)
	@tests/bench/run $(BUILD)

lint:
	mandoc -Tlint -Wwarning man/*.[0-9]

# The packages are built from a copy of the tree's files (those git tracks
# or would track), so that the build's own clean step never reaches build/.
deb:
	@tools/deps deb
	tools/mkdeb $(BUILD)/deb

# debian/libpvbus0.symbols after a function was added to pvbus.h and built.
symbols: $(BUILD)/libpvbus.so
	tools/symbols $(BUILD)/libpvbus.so.$(SOVER) $(VERSION) \
	    debian/libpvbus0.symbols

# The product: commands, library, headers, manuals, pkg-config file, the
# systemd unit.
install: $(PRODUCT)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) \
	    $(DESTDIR)$(INCDIR)/dev/pv $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(MANDIR)/man4 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PCDIR)
	install -m 755 $(BUILD)/hostctl $(BUILD)/pvbusd $(DESTDIR)$(SBINDIR)
	install -m 644 $(BUILD)/libpvbus.a $(DESTDIR)$(LIBDIR)
	install -m 755 $(BUILD)/libpvbus.so.$(SOVER) $(DESTDIR)$(LIBDIR)
	ln -sf libpvbus.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libpvbus.so.$(SOMAJOR)
	ln -sf libpvbus.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libpvbus.so
	install -m 644 include/pvbus.h $(DESTDIR)$(INCDIR)
	install -m 644 include/dev/pv/pvvar.h $(DESTDIR)$(INCDIR)/dev/pv
	install -m 644 man/pvbus.4 $(DESTDIR)$(MANDIR)/man4
	install -m 644 man/hostctl.8 man/pvbusd.8 $(DESTDIR)$(MANDIR)/man8
	install -m 644 man/libpvbus.3 $(DESTDIR)$(MANDIR)/man3
	for f in $(MAN3_LINKS); do \
		ln -sf libpvbus.3 $(DESTDIR)$(MANDIR)/man3/$$f.3 || exit 1; \
	done
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCDIR@|$(INCDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    lib/libpvbus.pc.in > $(DESTDIR)$(PCDIR)/libpvbus.pc
	sed 's|/usr/sbin/pvbusd|$(SBINDIR)/pvbusd|' dist/pvbusd.service \
	    > $(DESTDIR)$(UNITDIR)/pvbusd.service

clean:
	rm -rf build build-san build-aarch64 build-aarch64-san
