# kubequery as an osquery extension: osqueryd with kubequery autoloaded, one per cluster.
# Build:  docker build -t kubequery .
# Deploy: docs/deploy/kubequery.yaml (osquery flags and the query pack come from its ConfigMap).

# ---- build -----------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS build
RUN rustup target add wasm32-wasip2
WORKDIR /src
COPY . .
# The built-in tables are compiled to native code at build time; for the architecture's
# baseline CPU, so the image starts warm on whatever node it lands (host/build.rs).
ENV KUBEQUERY_PRECOMPILE_CPU=baseline
RUN cargo build --release --locked --bin kubequery

# ---- runtime ---------------------------------------------------------------------------------
FROM debian:bookworm-slim
ARG OSQUERY_VERSION=5.13.1
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates=20230311* curl=7.88.* \
    && curl -fsSL -o /tmp/osquery.deb "https://pkg.osquery.io/deb/osquery_${OSQUERY_VERSION}-1.linux_amd64.deb" \
    && apt-get install -y --no-install-recommends /tmp/osquery.deb \
    && apt-get purge -y curl \
    && rm -rf /var/lib/apt/lists/* /tmp/osquery.deb

# osqueryd autoloads only root-owned, non-writable files ending in .ext.
COPY --from=build /src/target/release/kubequery /usr/local/bin/kubequery
RUN install -d -m 0755 /usr/local/lib/kubequery \
    && ln /usr/local/bin/kubequery /usr/local/lib/kubequery/kubequery.ext \
    && install -d -m 0755 /etc/osquery \
    && echo /usr/local/lib/kubequery/kubequery.ext > /etc/osquery/extensions.load
COPY docs/deploy/osquery.flags /etc/osquery/osquery.flags
COPY docs/deploy/osquery.conf /etc/osquery/osquery.conf
COPY docs/deploy/entrypoint.sh /usr/local/bin/kubequery-entrypoint

RUN useradd --system --uid 10001 --home-dir /home/kubequery --create-home kubequery \
    && install -d -o kubequery -g kubequery -m 0700 /var/osquery /var/log/osquery /var/cache/kubequery
USER 10001
# Third-party tables are compiled at first load and kept here.
ENV KUBEQUERY_CACHE_DIR=/var/cache/kubequery

ENTRYPOINT ["/usr/local/bin/kubequery-entrypoint"]
