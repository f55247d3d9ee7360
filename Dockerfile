# kubequery as a self-contained command-line image.
# The osquery extension image (osqueryd with kubequery autoloaded) builds on this stage.
FROM rust:1.95-bookworm AS build
RUN rustup target add wasm32-wasip2
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin kubequery

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /home/kubequery --create-home kubequery
COPY --from=build /src/target/release/kubequery /usr/local/bin/kubequery
USER kubequery
ENTRYPOINT ["/usr/local/bin/kubequery"]
CMD ["query", "--demo", "SELECT namespace, count(*) FROM kubernetes_pods GROUP BY 1"]
