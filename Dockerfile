# syntax=docker/dockerfile:1
# One image for every service; the argument picks the one to run:
#   docker build -t campusflow:dev .
#   docker run campusflow:dev services.scheduling
# (deploy/compose.yaml and deploy/k8s run it the same way.)

# Build stage: install the distribution into /install, so the runtime image gets
# the installed package only (no source tree, no build tools).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml ./
COPY shared ./shared
COPY services ./services
# tools: the platform preparation (topics, roles, migrations) compose's init runs.
COPY tools ./tools
RUN pip install --prefix=/install .

FROM python:3.11-slim
# Logs straight to the container runtime; no .pyc writes on a read-only root filesystem.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
# A fixed numeric id, so Kubernetes' runAsNonRoot can check it (deploy/k8s uses 10001).
RUN groupadd --system --gid 10001 campusflow \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin campusflow
COPY --from=build /install /usr/local
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["python", "-m"]
CMD ["services.recruitment"]
