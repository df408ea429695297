# laa: a multi-stage build; the final image holds the binary, CA roots and
# a non-root user. Not built by CI: `docker build -t laa .` by hand (see
# docs/DEPLOYMENT.md).
#
#   docker build -t laa .
#   docker build -t laa --build-arg FEATURES=...   # extra cargo features, if any

FROM rust:1.94-bookworm AS build
ARG FEATURES=""
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin laa ${FEATURES:+--features $FEATURES} \
 && strip target/release/laa

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/laa --create-home laa
COPY --from=build /src/target/release/laa /usr/local/bin/laa
USER 10001:10001
WORKDIR /var/lib/laa
ENV LAA_LISTEN=0.0.0.0:50051 \
    LAA_HTTP_LISTEN=0.0.0.0:8080 \
    LAA_DATABASE_URL=sqlite:///var/lib/laa/laa.db?mode=rwc \
    LAA_LOG_FORMAT=json
VOLUME ["/var/lib/laa"]
EXPOSE 50051 8080 9090
STOPSIGNAL SIGTERM
ENTRYPOINT ["laa"]
CMD ["serve"]
