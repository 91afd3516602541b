# SPDX-License-Identifier: GPL-2.0
# The fdbox command, its unit tests and `make install`: included by the
# top-level Makefile after lib/lib.mk. Builds
#   $(BUILD)/tools/fdbox        for the host, linked to libfdbox.so, runs
#                               from the build tree (RUNPATH to it)
#   $(BUILD)/tools/fdbox.install the same without RUNPATH, for make install
#   $(BUILD)/guest-bin/fdbox    static, for the VM guest's /bin
#   $(BUILD)/host-tests/*       unit tests run on the host by make check

FDBOX_TOOL_SRCS := tools/fdbox.c tools/args.c tools/errmsg.c tools/progress.c \
	tools/ids.c tools/preflight.c
FDBOX_TOOL_OBJS := $(patsubst tools/%.c,$(BUILD)/tools/obj/%.o,$(FDBOX_TOOL_SRCS))
# The static guest build: user and group numbers only (tools/ids.c).
FDBOX_GUEST_OBJS := $(filter-out $(BUILD)/tools/obj/ids.o,$(FDBOX_TOOL_OBJS)) \
	$(BUILD)/tools/obj/ids-no-nss.o
# Everything but main(), for the unit tests.
FDBOX_CLI_OBJS := $(filter-out $(BUILD)/tools/obj/fdbox.o,$(FDBOX_TOOL_OBJS))

GUEST_TOOLS += $(BUILD)/guest-bin/fdbox

$(BUILD)/tools/obj/%.o: tools/%.c tools/tools.mk lib/lib.mk
	@mkdir -p $(dir $@)
	$(CC) $(FDBOX_CFLAGS) -c -o $@ $<

# Found next to the library in the build tree.
$(BUILD)/tools/fdbox: $(FDBOX_TOOL_OBJS) $(BUILD)/lib/libfdbox.so $(BUILD)/lib/$(LIBFDBOX_SONAME)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(FDBOX_TOOL_OBJS) -L$(BUILD)/lib -lfdbox \
		-Wl,-rpath,'$$ORIGIN/../lib'

# Installed, it finds the library where the system's linker looks.
$(BUILD)/tools/fdbox.install: $(FDBOX_TOOL_OBJS) $(BUILD)/lib/libfdbox.so $(BUILD)/lib/$(LIBFDBOX_SONAME)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(FDBOX_TOOL_OBJS) -L$(BUILD)/lib -lfdbox

$(BUILD)/tools/obj/ids-no-nss.o: tools/ids.c tools/tools.mk lib/lib.mk
	@mkdir -p $(dir $@)
	$(CC) $(FDBOX_CFLAGS) -DFDBOX_NO_NSS -c -o $@ $<

$(BUILD)/guest-bin/fdbox: $(FDBOX_GUEST_OBJS) $(LIBFDBOX_A)
	@mkdir -p $(dir $@)
	$(CC) -static -o $@ $(FDBOX_GUEST_OBJS) $(LIBFDBOX_A)

# ---- host-side unit tests (TAP) -------------------------------------------
FDBOX_HOST_TESTS := test-names test-errmsg test-args test-copy test-install \
	test-known-issues test-preflight test-deb
HOST_TESTS += $(addprefix $(BUILD)/host-tests/,$(FDBOX_HOST_TESTS))

$(BUILD)/host-tests-obj/%.o: tests/host/%.c tests/host/tap.h tools/tools.mk
	@mkdir -p $(dir $@)
	$(CC) $(FDBOX_CFLAGS) -Itools -c -o $@ $<

$(BUILD)/host-tests/test-names: $(BUILD)/host-tests-obj/test-names.o $(LIBFDBOX_A)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^

$(BUILD)/host-tests/test-errmsg: $(BUILD)/host-tests-obj/test-errmsg.o $(FDBOX_CLI_OBJS) $(LIBFDBOX_A)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^

$(BUILD)/host-tests/test-args: $(BUILD)/host-tests-obj/test-args.o $(FDBOX_CLI_OBJS) $(LIBFDBOX_A)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^

$(BUILD)/host-tests/test-preflight: $(BUILD)/host-tests-obj/test-preflight.o $(FDBOX_CLI_OBJS) $(LIBFDBOX_A)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^

$(BUILD)/host-tests/test-copy: $(BUILD)/host-tests-obj/test-copy.o $(LIBFDBOX_A)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -lpthread

# make install into a scratch DESTDIR, then build against the installed
# pkg-config file. Depends on every host artifact so that they are built.
$(BUILD)/host-tests/test-install: tests/host/test-install.sh $(LIBFDBOX_ALL) $(BUILD)/tools/fdbox
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

# The Debian packages, built from a copy of the sources.
$(BUILD)/host-tests/test-deb: tests/host/test-deb.sh
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

# The harness's filter of known kernel issues (tests/vm/known-issues.awk).
$(BUILD)/host-tests/test-known-issues: tests/host/test-known-issues.sh tests/vm/known-issues.awk
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

-include $(FDBOX_TOOL_OBJS:.o=.d) $(patsubst %,$(BUILD)/host-tests-obj/%.d,$(FDBOX_HOST_TESTS))

# ---- install ---------------------------------------------------------------
# DKMS tree: the module sources keep their place under kernel/ next to
# include/uapi (the Kbuild file refers to ../include/uapi).
# The test-only corruption knob (debug.c, FDBOX_DEBUG=y) is not installed.
FDBOX_DKMS_FILES := $(filter-out %.mod.c kernel/debug.c,$(wildcard kernel/*.c kernel/*.h)) \
	kernel/Kbuild kernel/Makefile

.PHONY: install uninstall
install: $(LIBFDBOX_ALL) $(BUILD)/tools/fdbox.install
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(INCLUDEDIR)/fdbox/linux $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man4 \
		$(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(MODULESLOADDIR) \
		$(DESTDIR)$(DKMSSRCDIR)/kernel \
		$(DESTDIR)$(DKMSSRCDIR)/include/uapi/linux
	install -m 0755 $(BUILD)/tools/fdbox.install $(DESTDIR)$(BINDIR)/fdbox
	install -m 0755 $(LIBFDBOX_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(LIBFDBOX_SO)) $(DESTDIR)$(LIBDIR)/$(LIBFDBOX_SONAME)
	ln -sf $(LIBFDBOX_SONAME) $(DESTDIR)$(LIBDIR)/libfdbox.so
	install -m 0644 $(LIBFDBOX_A) $(DESTDIR)$(LIBDIR)/
	install -m 0644 lib/fdbox.h $(DESTDIR)$(INCLUDEDIR)/fdbox.h
	# Not in $(INCLUDEDIR)/linux: that is the distribution's kernel headers'.
	install -m 0644 include/uapi/linux/fdbox.h $(DESTDIR)$(INCLUDEDIR)/fdbox/linux/fdbox.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(FDBOX_VERSION)|' lib/fdbox.pc.in \
		> $(DESTDIR)$(PKGCONFIGDIR)/fdbox.pc
	install -m 0644 docs/fdbox.1 $(DESTDIR)$(MANDIR)/man1/fdbox.1
	install -m 0644 docs/fdbox.4 $(DESTDIR)$(MANDIR)/man4/fdbox.4
	install -m 0644 docs/libfdbox.3 $(DESTDIR)$(MANDIR)/man3/libfdbox.3
	install -m 0644 tools/60-fdbox.rules $(DESTDIR)$(UDEVRULESDIR)/60-fdbox.rules
	install -m 0644 tools/fdbox-modules-load.conf $(DESTDIR)$(MODULESLOADDIR)/fdbox.conf
	install -m 0644 $(FDBOX_DKMS_FILES) $(DESTDIR)$(DKMSSRCDIR)/kernel/
	install -m 0644 include/uapi/linux/fdbox.h $(DESTDIR)$(DKMSSRCDIR)/include/uapi/linux/
	sed -e 's|^PACKAGE_VERSION=.*|PACKAGE_VERSION="$(FDBOX_VERSION)"|' \
		kernel/dkms.conf > $(DESTDIR)$(DKMSSRCDIR)/dkms.conf

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/fdbox $(DESTDIR)$(LIBDIR)/libfdbox.so* \
		$(DESTDIR)$(LIBDIR)/libfdbox.a $(DESTDIR)$(INCLUDEDIR)/fdbox.h \
		$(DESTDIR)$(INCLUDEDIR)/fdbox/linux/fdbox.h \
		$(DESTDIR)$(PKGCONFIGDIR)/fdbox.pc \
		$(DESTDIR)$(MANDIR)/man1/fdbox.1 $(DESTDIR)$(MANDIR)/man4/fdbox.4 \
		$(DESTDIR)$(MANDIR)/man3/libfdbox.3 \
		$(DESTDIR)$(UDEVRULESDIR)/60-fdbox.rules \
		$(DESTDIR)$(MODULESLOADDIR)/fdbox.conf
	rmdir $(DESTDIR)$(INCLUDEDIR)/fdbox/linux $(DESTDIR)$(INCLUDEDIR)/fdbox 2> /dev/null || true
	rm -rf $(DESTDIR)$(DKMSSRCDIR)
