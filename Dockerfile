# laa: a multi-stage build; the final image holds the binary, CA roots and
# a non-root user. Not built by CI: `docker build -t laa .` by hand (see
# docs/DEPLOYMENT.md).
#
#   docker build -t laa --build-arg COMMIT=$(git rev-parse --short=12 HEAD) .
#   docker build -t laa --build-arg FEATURES=...   # extra cargo features, if any

FROM rust:1.94-bookworm AS build
ARG FEATURES=""
# The commit `laa --version` and laa_build_info name (.git is not copied in).
ARG COMMIT=unknown
WORKDIR /src
COPY . .
RUN LAA_COMMIT=${COMMIT} cargo build --release --locked --bin laa ${FEATURES:+--features $FEATURES} \
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
    LAA_METRICS_LISTEN=0.0.0.0:9090 \
    LAA_DATABASE_URL=sqlite:///var/lib/laa/laa.db?mode=rwc \
    LAA_LOG_FORMAT=json
VOLUME ["/var/lib/laa"]
EXPOSE 50051 8080 9090
STOPSIGNAL SIGTERM
# Healthy while the server's gRPC health answers SERVING: not while it
# opens or migrates its database, nor while it cannot reach it, nor once a
# shutdown begins. Docker repeats the check, so `laa health` does not. With
# LAA_TLS_CERT set, also set LAA_SERVER=https://localhost:50051 and
# LAA_CA_CERT to the certificate (or its CA), which must name localhost.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["laa", "health", "--retries", "0", "--connect-timeout", "2", "--timeout", "3"]
ENTRYPOINT ["laa"]
CMD ["serve"]
