# A thin wrapper over CMake. The two commands README promises:
#   make demo    - install what is missing, build, compress + verify a real file
#   make check   - install what is missing, build, run every test
# and  make install PREFIX=/usr/local [DESTDIR=stage]  (cmake --install underneath).
BUILD ?= build
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all build deps demo check test fuzz bench install clean

all: build

deps:
	@scripts/deps.sh test

build:
	@scripts/deps.sh build
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)/nzip

check: deps build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@scripts/fuzz.sh 60

test: check

fuzz:
	@scripts/fuzz.sh $${SECONDS_PER_TARGET:-60}

install: build
	@DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

bench: build
	@scripts/deps.sh bench
	@bench/corpus_table.sh

clean:
	rm -rf $(BUILD) build-fuzz
