# livechat-mock as a container: a static binary built in a builder stage, shipped FROM scratch,
# run as a non-root user, listening on 0.0.0.0:3000. Off loopback the control API (/_mock/)
# needs a token: set LIVECHAT_MOCK_ADMIN_TOKEN, or read the one printed at start.
#
#   docker build -t livechat-mock .
#   docker run --rm -p 3000:3000 livechat-mock
#
# Docker reads this file by its name (`docker build .`); podman and buildah read it too.
# The final stage is the same as Dockerfile.prebuilt's, which CI builds from a binary made on
# the host (see ci/container.sh).

FROM docker.io/library/rust:1-bookworm AS builder
WORKDIR /src
COPY . .
RUN RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --locked --profile container --target x86_64-unknown-linux-gnu --no-default-features --features cli,tls \
 && mkdir -p /out \
 && cp target/x86_64-unknown-linux-gnu/container/livechat-mock /out/livechat-mock

FROM scratch
COPY --from=builder /out/livechat-mock /livechat-mock
USER 65534:65534
ENV LIVECHAT_MOCK_HOST=0.0.0.0 LIVECHAT_MOCK_PORT=3000
EXPOSE 3000
ENTRYPOINT ["/livechat-mock"]
