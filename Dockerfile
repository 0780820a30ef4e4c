# kiln in a small image: a static musl build on Alpine, copied alone onto
# distroless/static (no shell, no libc), run as its non-root user.
#
#   docker build -t kiln .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/repo" kiln build
#
# `kiln` is on the PATH, so `docker run --entrypoint kiln IMAGE check` (how
# the pipelines kiln writes run `project.kiln = { image = ... }`) works too.
# There is no git inside: `kiln diff --base REF` needs kiln from a release
# archive or cargo. Stages: deps (the dependencies, compiled against a stub
# until Cargo.toml or Cargo.lock change), build, runtime.
ARG BUILD_IMAGE=rust:1.95.0-alpine3.23
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab

FROM ${BUILD_IMAGE} AS deps
WORKDIR /src
# Alpine's Rust targets musl: one static binary, no program interpreter.
ENV RUSTFLAGS="-C target-feature=+crt-static"
COPY Cargo.toml Cargo.lock build.rs ./
RUN mkdir src templates presets \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src

FROM deps AS build
COPY src src
COPY templates templates
COPY presets presets
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && cp target/release/kiln /kiln \
    && /kiln --version

FROM ${RUNTIME_IMAGE} AS runtime
COPY --from=build /kiln /usr/local/bin/kiln
# distroless' nonroot user.
USER 65532:65532
WORKDIR /repo
ENTRYPOINT ["/usr/local/bin/kiln"]
CMD ["--help"]
