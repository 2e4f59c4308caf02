# The two commands of the README: `make run` and `make test`. Everything else is a helper.
# Every target installs what is missing first (scripts/install-deps.sh is idempotent).
JOBS ?= $(shell nproc)
ARGS ?=

.PHONY: all deps build run test test-unit test-asan fuzz bench bench-smoke soak clean format install

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build build -j $(JOBS)

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build build-asan -j $(JOBS)

# Starts wshub in development mode: 127.0.0.1:8080, anonymous access, /echo on.
run: build
	./build/wshub --dev $(ARGS)

# Every test: unit + integration (release build, real binary, real clients),
# then unit tests under ASan+UBSan and a 20-second smoke run of each fuzz target.
test: build build-asan
	ctest --test-dir build --output-on-failure -j $(JOBS)
	ctest --test-dir build-asan --output-on-failure -j $(JOBS)

test-unit: build
	ctest --test-dir build --output-on-failure -L unit -j $(JOBS)

# Longer fuzzing: FUZZ_SECONDS per target (default 300).
FUZZ_SECONDS ?= 300
fuzz: deps
	@cmake --preset asan -DWSHUB_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build build-asan -j $(JOBS)
	ctest --test-dir build-asan --output-on-failure -L fuzz

# Installs the server (binary, man page, example config, systemd unit) under PREFIX;
# DESTDIR stages it for packaging. See docs/deployment.md.
PREFIX ?= /usr/local
install: build
	DESTDIR="$(DESTDIR)" cmake --install build --prefix "$(PREFIX)" --component server

bench: build
	bash bench/run.sh

bench-smoke: build
	bash bench/run.sh --smoke

clean:
	rm -rf build build-debug build-asan build-tsan

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')
