# syntax=docker/dockerfile:1
#
# Container image of `reconcile` (the in-cluster controller runs `reconcile run`; see
# charts/reconcile). No Docker engine is available on the development machines: this file is
# built and scanned by CI elsewhere, e.g.
#   docker build -t ghcr.io/reconcile-dev/reconcile:0.1.0 .
#
# Builder and runtime must be the same Debian release (bookworm): the binary links the system
# libgit2 (soname libgit2.so.1.5), libyaml and libcurl dynamically; only the Swift runtime and
# Foundation are linked statically.

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# --- build -----------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build

RUN export DEBIAN_FRONTEND=noninteractive \
 && apt-get update \
 && apt-get install -y --no-install-recommends libgit2-dev libyaml-dev libcurl4-openssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Resolve dependencies first so that source edits reuse the cached layer.
COPY Package.* ./
RUN swift package resolve

# Tests/ too: SwiftPM checks every declared target's directory, even when building one product.
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product reconcile --static-swift-stdlib \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/reconcile" /out/reconcile

# --- runtime ---------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime

# The three C libraries' runtime packages, the CA bundle for https remotes and the API server,
# and gpgv for OpenPGP commit signatures (--verify-commits --trusted-keyring).
# (libstdc++6 and libgcc-s1, needed by the Swift runtime, are part of the base image.)
RUN export DEBIAN_FRONTEND=noninteractive \
 && apt-get update \
 && apt-get install -y --no-install-recommends libgit2-1.5 libyaml-0-2 libcurl4 ca-certificates gpgv \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 65532 reconcile \
 && useradd --system --uid 65532 --gid 65532 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin reconcile \
 && install -d -o 65532 -g 65532 -m 0750 /var/cache/reconcile

COPY --from=build /out/reconcile /usr/local/bin/reconcile

# Writable paths: the chart mounts emptyDirs at /var/cache/reconcile and /tmp (read-only root).
# Without --cache-dir, clones go to $XDG_CACHE_HOME/reconcile.
ENV XDG_CACHE_HOME=/var/cache
# glibc grows each thread's heap 64 MiB at a time instead of a page at a time: measured 8% off a
# 10,000-object no-change plan (docs/benchmarks.md, "Safety review"). A documented glibc tunable,
# set from the environment, instead of the mallopt call the binary used to make through dlsym.
# Two malloc arenas instead of 8 per core: the controller's passes run on a few threads and the
# memory each arena keeps between passes was most of its resident growth; measured at 10,000
# watched objects: peak 231-239 -> 204-210 MiB, no slower a pass (docs/controller.md, "Memory").
ENV GLIBC_TUNABLES=glibc.malloc.top_pad=67108864:glibc.malloc.arena_max=2
EXPOSE 8080

USER 65532:65532
ENTRYPOINT ["/usr/local/bin/reconcile"]
CMD ["run"]
