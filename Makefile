# Orchard build. `make` builds build/orchard and build/orchard-convert.
#   make check        unit tests (Check) + script tests     make asan   the same under ASan+UBSan
#   make weights      weights/mobilenet_v2_1.0_224.orw      make bench  per-kernel + model benchmarks
#   make WERROR=1     warnings are errors (CI)              make MPI=1  require MPI (mpicc)
# Sources are picked up by wildcard: src/*.c is the library (src/main.c is the CLI entry),
# kernels/<op>/*.c the kernels (ISA flags by file suffix), tests/test_*.c one Check binary each,
# bench/bench_*.c one benchmark each, tools/*.c one tool each.

BUILD    ?= build
CC       ?= cc
ORCHARD_SHARED ?= $(abspath $(CURDIR)/../shared)
export ORCHARD_SHARED

ARCH := $(shell uname -m)
PKGS := stb libzstd libcurl openssl
# pkg-config name -> Debian package, for the error message
apt_stb := libstb-dev
apt_libzstd := libzstd-dev
apt_libcurl := libcurl4-openssl-dev
apt_openssl := libssl-dev
apt_check := check
apt_hdf5 := libhdf5-dev
apt_lapacke := liblapacke-dev

define need_pkg
$(if $(shell pkg-config --exists $(1) && echo ok),,$(error pkg-config cannot find '$(1)': install it with 'apt-get install $(apt_$(1))' (or run tools/install-deps.sh)))
endef
ifeq ($(filter clean help,$(MAKECMDGOALS)),)
$(foreach p,$(PKGS) check hdf5,$(call need_pkg,$(p)))
endif

WARN   := -Wall -Wextra -Wpedantic -Wshadow -Wvla -Wstrict-prototypes -Wno-unused-parameter
CSTD   := -std=c11 -D_GNU_SOURCE
OPT    ?= -O2 -g
ifeq ($(WERROR),1)
WARN += -Werror
endif
SAN    ?=
CFLAGS_ALL = $(CSTD) $(OPT) $(WARN) $(SAN) -fvisibility=hidden -pthread -Isrc -Ikernels \
             $(shell pkg-config --cflags $(PKGS)) $(EXTRA_CFLAGS)
LDLIBS_ALL = $(shell pkg-config --libs $(PKGS)) -lm -pthread
HDF5_CFLAGS := $(shell pkg-config --cflags hdf5 2>/dev/null)
HDF5_LIBS   := $(shell pkg-config --libs hdf5 2>/dev/null)
CHECK_LIBS  := $(shell pkg-config --libs check 2>/dev/null)
LAPACKE_LIBS := $(shell pkg-config --exists lapacke 2>/dev/null && pkg-config --libs lapacke)

# MPI: auto-detected; MPI=1 requires it, MPI=0 disables it. Only src/mpi_run.c gets mpicc's
# flags (the rest of the library stays MPI-free); the binaries link mpicc's libraries.
MPICC := $(shell command -v mpicc 2>/dev/null)
ifeq ($(MPI),1)
ifeq ($(MPICC),)
$(error MPI=1 but mpicc was not found: apt-get install libopenmpi-dev openmpi-bin)
endif
endif
ifneq ($(MPI),0)
ifneq ($(MPICC),)
MPI_CFLAGS := -DORC_WITH_MPI $(shell mpicc --showme:compile 2>/dev/null)
MPI_LIBS   := $(shell mpicc --showme:link 2>/dev/null)
endif
endif

# ---- sources --------------------------------------------------------------------------------
LIB_SRCS := $(filter-out src/main.c,$(wildcard src/*.c))
KERNEL_SRCS_ALL := $(wildcard kernels/*/*.c)
ifeq ($(ARCH),aarch64)
KERNEL_SRCS := $(filter-out %-avx2.c %-avx512.c,$(KERNEL_SRCS_ALL))
else
KERNEL_SRCS := $(filter-out %-neon.c,$(KERNEL_SRCS_ALL))
endif
LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS) $(KERNEL_SRCS))
TEST_SRCS := $(wildcard tests/test_*.c)
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
TEST_SUPPORT := $(filter-out $(TEST_SRCS),$(wildcard tests/*.c))
BENCH_SRCS := $(wildcard bench/bench_*.c)
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/%,$(BENCH_SRCS))
LIB := $(BUILD)/liborchard.a

.PHONY: all check check-unit check-scripts asan weights bench bench-peer clean help run \
        neon-check
all: $(BUILD)/orchard $(BUILD)/orchard-convert

# ISA flags on the ISA files only (pattern-specific variables)
$(BUILD)/obj/%-avx2.o:   ISA_FLAGS := -mavx2 -mfma
$(BUILD)/obj/%-avx512.o: ISA_FLAGS := -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma -mavx2

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(ISA_FLAGS) $(GLUE_FLAGS) -MMD -MP -c $< -o $@

# src/mpi_run.c with or without MPI; the stamp rebuilds it when that changes
MPI_STAMP := $(BUILD)/.mpi-$(if $(MPI_CFLAGS),on,off)
$(MPI_STAMP):
	@mkdir -p $(dir $@) && rm -f $(BUILD)/.mpi-on $(BUILD)/.mpi-off && touch $@
$(BUILD)/obj/src/mpi_run.o: GLUE_FLAGS := $(MPI_CFLAGS)
$(BUILD)/obj/src/mpi_run.o: $(MPI_STAMP)

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/orchard: $(BUILD)/obj/src/main.o $(LIB)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) $(MPI_LIBS)

# the converter: tools/orchard-convert.c plus tools/convert/*.c, with libhdf5
CONVERT_SRCS := $(wildcard tools/orchard-convert.c tools/convert/*.c)
$(BUILD)/orchard-convert: $(CONVERT_SRCS) $(wildcard tools/convert/*.h) src/weights.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(HDF5_CFLAGS) -o $@ $(CONVERT_SRCS) $(LIB) $(HDF5_LIBS) $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/%.c $(TEST_SUPPORT) $(LIB) tests/check_main.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(HDF5_CFLAGS) -Itests -o $@ $< $(TEST_SUPPORT) $(LIB) \
	    $(CHECK_LIBS) $(HDF5_LIBS) $(LAPACKE_LIBS) $(LDLIBS_ALL)

$(BUILD)/bench_%: bench/bench_%.c $(LIB)
	$(CC) $(CFLAGS_ALL) -Ibench -o $@ $< $(LIB) $(LAPACKE_LIBS) $(LDLIBS_ALL)

# ---- NEON: the AArch64 kernels cross-built and run under qemu-user (tools/test.sh) --------
# Static test binaries from the kernel, SIMD and model tests plus the few library files they
# need, with tests/neon/check.h standing in for libcheck (the cross sysroot has none). The
# full-size model oracle is left out under emulation (slow); test_simd covers the kernels at
# every MobileNetV2 shape and test_model the whole model at two small sizes.
NEON_CC    ?= aarch64-linux-gnu-gcc
NEON_QEMU  ?= qemu-aarch64-static
NEON_BUILD ?= build-neon
NEON_TESTS := test_kernels test_simd test_model
NEON_SRCS  := src/isa.c src/dispatch.c src/error.c src/threadpool.c src/model.c \
              tests/neon/weights_stub.c \
              $(foreach op,conv3x3 dwconv3x3 pwconv gavgpool fmapeak,\
                  $(wildcard kernels/$(op)/*-scalar.c kernels/$(op)/*-neon.c))
NEON_BINS  := $(addprefix $(NEON_BUILD)/,$(NEON_TESTS))
NEON_MODEL_TESTS := test_oracle_small,test_bitwise_identity,test_errors
$(NEON_BUILD)/test_%: tests/test_%.c $(NEON_SRCS) $(wildcard src/*.h kernels/*.h kernels/*/*.h kernels/*/*.inc tests/*.h tests/neon/*.h)
	@command -v $(NEON_CC) >/dev/null || { echo "neon-check: $(NEON_CC) not found: apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static (or tools/install-deps.sh --test)" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(NEON_CC) $(CSTD) -O2 $(WARN) -static -pthread -Itests/neon -Itests -Isrc -Ikernels -o $@ $< $(NEON_SRCS) -lm
neon-check: $(NEON_BINS)
	@command -v $(NEON_QEMU) >/dev/null || { echo "neon-check: $(NEON_QEMU) not found: apt-get install qemu-user-static" >&2; exit 1; }
	@for t in $(NEON_BINS); do echo "neon-check: $$t (qemu-aarch64)"; only=""; \
	    [ "$$(basename $$t)" = test_model ] && only="$(NEON_MODEL_TESTS)"; \
	    ORC_MINI_TESTS="$$only" $(NEON_QEMU) $$t || exit 1; done

# ---- weights --------------------------------------------------------------------------------
WEIGHTS := weights/mobilenet_v2_1.0_224.orw
H5 := $(ORCHARD_SHARED)/weights/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5
weights: $(WEIGHTS)
$(WEIGHTS): $(BUILD)/orchard-convert $(wildcard $(H5))
	tools/fetch-weights.sh "$(H5)" "$@" $(BUILD)/orchard-convert

# ---- tests ----------------------------------------------------------------------------------
check: all $(WEIGHTS) $(TEST_BINS) $(BENCH_BINS)
	@tools/run-tests.sh $(BUILD)

asan:
	$(MAKE) BUILD=build-asan OPT="-O2 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" check

bench: $(BENCH_BINS)

# Orchard vs ONNX Runtime (../shared/peers) interleaved in one run: tools/bench-peer.sh
bench-peer: $(BUILD)/bench_model $(WEIGHTS)
	tools/bench-peer.sh --build $(BUILD) $(BENCH_PEER_ARGS)

run: all $(WEIGHTS)
	tools/run.sh

.PHONY: bench-e2e
bench-e2e: all $(WEIGHTS)
	bench/bench-e2e.sh

clean:
	rm -rf build build-asan build-neon

help:
	@sed -n '1,8p' Makefile

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
