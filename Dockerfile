# syntax=docker/dockerfile:1

# Build a static alerter binary.
FROM golang:1.26 AS build
WORKDIR /src
# Dependencies first, so this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/alerter ./cmd/alerter \
 && mkdir -p /out/data

# Run it as a non-root user on a minimal base (CA certificates and tzdata
# included, no shell).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/alerter /alerter
COPY examples/ /etc/alerter/
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME /data
EXPOSE 9095
ENTRYPOINT ["/alerter"]
CMD ["run", "--storage.path=/data"]
