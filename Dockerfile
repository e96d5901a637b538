# Builds the astad image: a static binary on distroless, run as the
# unprivileged user "nonroot" (uid 65532). docker-compose.yml uses it.
#
#   docker build -t asta/astad .
#   docker run --rm -p 127.0.0.1:8080:8080 -e ASTA_LISTEN=0.0.0.0:8080 asta/astad serve --demo

FROM golang:1.26 AS build
WORKDIR /src

# Download modules in their own layer, so that a source change reuses it.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
# CGO_ENABLED=0 links statically (SQLite is the pure-Go driver), so the
# binary runs on an image without a C library.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /astad ./daemon

# An empty /data owned by nonroot: a named volume mounted there copies this
# ownership, so astad can write its inbox, mailbox and SQLite file.
RUN mkdir -p /out/data/inbox

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /astad /astad
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
# The relative default paths (data/asta.db, data/inbox, data/mailbox)
# resolve to /data.
WORKDIR /
ENV ASTA_LISTEN=0.0.0.0:8080
EXPOSE 8080
# The image has no shell or curl: astad GETs its own /healthz at the
# address that ASTA_LISTEN sets.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/astad", "healthcheck"]
ENTRYPOINT ["/astad"]
CMD ["serve"]
