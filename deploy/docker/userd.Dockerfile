# syntax=docker/dockerfile:1
# userd: the users.v1 gRPC server.
#
# Build from the repository root (the context needs the sources, not .git):
#   docker build -f deploy/docker/userd.Dockerfile \
#     --build-arg GIT_COMMIT=$(git rev-parse --short HEAD) -t users/userd:dev .
# userd.Dockerfile.dockerignore (next to this file) keeps build trees, .git
# and local data out of the context.

# --- build: Debian's -dev packages from scripts/lib/deps.sh, one target ----
FROM debian:bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# scripts/lib/deps.sh is the project's only package list: install its build
# packages (everything but the PostgreSQL server and the test clients).
COPY scripts/lib/deps.sh /tmp/deps.sh
RUN source /tmp/deps.sh \
 && mapfile -t packages < <(printf '%s\n' "${USERS_DEB_PACKAGES[@]}" \
      | grep -Ev '^(postgresql-.*|python3-.*|curl|wrk)$') \
 && apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      "${packages[@]}" \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# No .git in the context: the commit the binary reports (--version,
# userd_build_info) comes in as an arg; the version is CMake's project().
ARG GIT_COMMIT=unknown
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DUSERS_GIT_COMMIT="${GIT_COMMIT}" -DUSERS_WITH_GATEWAY=OFF \
      -DBUILD_TESTING=OFF \
 && cmake --build /build --target userd -j"$(nproc)" \
 && cmake --install /build --component userd --strip --prefix /out

# --- runtime: bookworm-slim with the shared libraries userd links ---------
# (readelf -d userd | grep NEEDED; the package of each, minus libc6 and
# libgcc-s1 which the base image has; deploy/test checks this list against
# the built binary), and tzdata: User.time_zone is checked against
# /usr/share/zoneinfo.
FROM debian:bookworm-slim AS runtime
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      ca-certificates \
      libabsl20220623 \
      libargon2-1 \
      libcurl4 \
      libgrpc++1.51 \
      libgrpc29 \
      libicu72 \
      libpq5 \
      libpqxx-6.4 \
      libprometheus-cpp-core1.0 \
      libprotobuf32 \
      libssl3 \
      libstdc++6 \
      tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 65532 nonroot \
 && useradd --system --uid 65532 --gid 65532 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin nonroot
COPY --from=build /out/bin/userd /usr/local/bin/userd
# Numeric, so that runAsNonRoot can verify it without a passwd lookup.
USER 65532:65532
EXPOSE 50051 9090
# Exec form: no shell at run time. The same flags as the Deployment's args
# (deploy/k8s/base/userd-deployment.yaml); `userd migrate` for the Job.
ENTRYPOINT ["/usr/local/bin/userd"]
CMD ["--listen=0.0.0.0:50051", "--admin-listen=0.0.0.0:9090"]
