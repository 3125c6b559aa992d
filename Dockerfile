# Slim multi-stage image: `einvoice serve` as a non-root user, validation artefacts installed and
# verified (SHA-256) at build time, data (SQLite, caches) on a volume.
#
#   docker build -t einvoice .                                   # artefacts downloaded from upstream
#   docker build --build-arg ARTIFACTS_MIRROR=mirror -t einvoice .  # or copied from ./mirror (offline)
#   docker run -p 8000:8000 -v einvoice-data:/app/data einvoice
#
# The service account (uid 10001) owns only /app/data; a fresh named volume takes that folder's
# owner, so the first start can migrate and write. A host folder mounted there instead must be
# writable by uid 10001 (`chown 10001 DIR`). tests/foundation/test_packaging.py replays these steps.

FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY service ./service
COPY schemas ./schemas
RUN pip install --no-cache-dir .
# Artefacts: from a mirror in the build context when given, else downloaded and verified.
ARG ARTIFACTS_MIRROR=""
COPY . /context
ENV EINVOICE_SCHEMAS_MANIFEST=/src/schemas/manifest.json
RUN if [ -n "$ARTIFACTS_MIRROR" ]; then \
        einvoice artifacts install --dest /opt/artifacts --from "/context/$ARTIFACTS_MIRROR"; \
    else \
        einvoice artifacts install --dest /opt/artifacts; \
    fi

FROM python:3.11-slim
# Code, schemas and artefacts stay root's (world-readable: the installer makes them 0644).
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /app/data einvoice \
    && mkdir -p /app/data \
    && chown einvoice:einvoice /app/data \
    && chmod 0750 /app/data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/artifacts /opt/artifacts
COPY schemas /app/schemas
ENV PATH=/opt/venv/bin:$PATH \
    EINVOICE_ARTIFACTS_DIR=/opt/artifacts \
    EINVOICE_SCHEMAS_MANIFEST=/app/schemas/manifest.json \
    EINVOICE_VALIDATION_CACHE_DIR=/app/data/cache \
    DATABASE_URL=sqlite:////app/data/einvoice.db \
    EINVOICE_HOST=0.0.0.0 \
    EINVOICE_PORT=8000 \
    PYTHONUNBUFFERED=1
WORKDIR /app
USER einvoice
VOLUME ["/app/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
# Migrations are idempotent; running them first makes a fresh volume usable at once.
CMD ["sh", "-c", "einvoice migrate && exec einvoice serve"]
