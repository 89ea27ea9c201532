# Thin driver over meson + ninja; see README.md.
BUILD ?= build
MESON_OPTS ?=

.PHONY: all deps build check demo asan fuzz format format-check bench clean install

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# make install [PREFIX=/usr] [DESTDIR=/tmp/stage]: bin/rkt, bin/actool and the stage1 images
# (LIBDIR/rkt/stage1-images, or /usr/lib/rkt/stage1-images for PREFIX=/usr), where the installed
# rkt looks for them. PREFIX changes the build's prefix (compiled into rkt); without it the
# build's own prefix (meson's default /usr/local) is kept.
install: build
ifneq ($(PREFIX),)
	meson configure $(BUILD) -Dprefix=$(PREFIX)
	ninja -C $(BUILD)
endif
	meson install -C $(BUILD) --no-rebuild $(if $(DESTDIR),--destdir "$(DESTDIR)")

check: build
	meson test -C $(BUILD) --print-errorlogs
	@scripts/test-summary.sh $(BUILD)

demo: build
	scripts/demo.sh $(BUILD)

# Unit tests under AddressSanitizer and UndefinedBehaviorSanitizer (clang).
asan: deps
	@[ -f build-asan/build.ninja ] || CC=clang meson setup build-asan \
		-Db_sanitize=address,undefined -Db_lundef=false -De2e=false
	ninja -C build-asan
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C build-asan --suite unit --print-errorlogs
	@scripts/test-summary.sh build-asan

# Each libFuzzer target for FUZZ_SECONDS, seeded from tests/data.
FUZZ_SECONDS ?= 20
fuzz: deps
	@[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzz=true -De2e=false \
		-Db_lundef=false
	ninja -C build-fuzz
	scripts/run-fuzz.sh build-fuzz $(FUZZ_SECONDS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

bench: build
	bench/actool.sh $(BUILD)
	bench/fetch.sh $(BUILD)
	bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-fuzz
