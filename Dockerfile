# Builds the astad image: a static binary on distroless, run as the
# unprivileged user "nonroot" (uid 65532). docker-compose.yml uses it.

FROM golang:1.26 AS build
WORKDIR /src

# Download modules in their own layer, so that a source change reuses it.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /astad ./daemon

# An empty /data owned by nonroot: a named volume mounted there copies this
# ownership, so astad can write its inbox.
RUN mkdir -p /out/data/inbox

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /astad /astad
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/astad"]
CMD ["serve"]
