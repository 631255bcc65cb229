# Builds, regenerates the headers of, installs and uninstalls the zweck C library.
#
#   make build                      cargo build --release (libzweck.so and libzweck.a)
#   make headers                    regenerate include/zweck.h and include/zweck_php.h from src/ffi/
#   make install [PREFIX=/usr/local] [DESTDIR=]   install what `make build` produced
#   make uninstall [PREFIX=...] [DESTDIR=]
#   make test                       cargo test
#
# `install` does not build, so `make build && sudo make install` never runs cargo as root.
# PROFILE=debug installs a debug build; TARGET_DIR defaults to $CARGO_TARGET_DIR or target/.

PREFIX ?= /usr/local
DESTDIR ?=
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

CARGO ?= cargo
PROFILE ?= release
TARGET_DIR ?= $(if $(CARGO_TARGET_DIR),$(CARGO_TARGET_DIR),target)
BUILD_DIR = $(TARGET_DIR)/$(PROFILE)
CARGO_PROFILE = $(if $(filter debug,$(PROFILE)),dev,$(PROFILE))

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME = libzweck.so.$(MAJOR)

INSTALL ?= install

.PHONY: build headers install uninstall test

build:
	$(CARGO) build --lib --profile $(CARGO_PROFILE) --target-dir $(TARGET_DIR)

headers:
	ZWECK_UPDATE_HEADERS=1 $(CARGO) build --lib --target-dir $(TARGET_DIR)

test:
	$(CARGO) test

install:
	@test -f $(BUILD_DIR)/libzweck.so -a -f $(BUILD_DIR)/libzweck.a || \
	  { echo "$(BUILD_DIR)/libzweck.so or libzweck.a is missing: run \`make build\` first" >&2; exit 1; }
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 0755 $(BUILD_DIR)/libzweck.so $(DESTDIR)$(LIBDIR)/libzweck.so.$(VERSION)
	ln -sf libzweck.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libzweck.so
	$(INSTALL) -m 0644 $(BUILD_DIR)/libzweck.a $(DESTDIR)$(LIBDIR)/libzweck.a
	$(INSTALL) -m 0644 include/zweck.h include/zweck_php.h $(DESTDIR)$(INCLUDEDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    zweck.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/zweck.pc
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/zweck.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libzweck.so $(DESTDIR)$(LIBDIR)/$(SONAME) \
	      $(DESTDIR)$(LIBDIR)/libzweck.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libzweck.a \
	      $(DESTDIR)$(INCLUDEDIR)/zweck.h $(DESTDIR)$(INCLUDEDIR)/zweck_php.h \
	      $(DESTDIR)$(PKGCONFIGDIR)/zweck.pc
