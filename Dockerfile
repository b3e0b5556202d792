# syntax=docker/dockerfile:1
# LightSB Service image: one image for the web (gunicorn) and the job workers (db_worker).
#
#   docker build -t lightsb-service .
#   docker run --env-file .env -p 8000:8000 lightsb-service
#
# torch: the image installs the CPU build from PyTorch's CPU wheel index. The default torch wheel
# for Linux bundles the CUDA libraries (gigabytes) that a CPU-only service never uses; the CPU
# build keeps the image around 1.5 GB. For a GPU host, build with
#   --build-arg TORCH_INDEX_URL=<the CUDA wheel index> --build-arg TORCH_LOCAL_VERSION=
# (an empty local version takes the plain wheel from that index).

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: a virtual environment with every runtime dependency ------------------------------
FROM ${PYTHON_IMAGE} AS build

ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG TORCH_LOCAL_VERSION=+cpu
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /build
COPY requirements.txt ./
# torch first, from its own index, at the version requirements.txt pins; the second install then
# finds torch already satisfied and takes everything else from the default index.
RUN TORCH_VERSION="$(sed -n 's/^torch==//p' requirements.txt)" \
 && TORCHVISION_VERSION="$(sed -n 's/^torchvision==//p' requirements.txt)" \
 && pip install --index-url "${TORCH_INDEX_URL}" \
      "torch==${TORCH_VERSION}${TORCH_LOCAL_VERSION}" \
      "torchvision==${TORCHVISION_VERSION}${TORCH_LOCAL_VERSION}" \
 && pip install -r requirements.txt

# --- runtime: the virtual environment, the code and the model weights, run as a plain user -----
FROM ${PYTHON_IMAGE} AS runtime

# libgomp1: OpenMP runtime for torch's CPU kernels; libstdc++6: dlib's C++ runtime. Not pinned:
# Debian drops superseded versions from its mirrors, and these track the base image's release.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 libstdc++6 \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 lightsb \
 && useradd --system --uid 10001 --gid lightsb --home-dir /app --shell /usr/sbin/nologin lightsb

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=lightsb_site.settings \
    DJANGO_DEBUG=false \
    LOG_FORMAT=json \
    LIGHTSB_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles \
    PROMETHEUS_MULTIPROC_DIR=/tmp/lightsb-metrics \
    GUNICORN_BIND=0.0.0.0:8000

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The code and the bundled weights (generation/ml/weights/); .dockerignore keeps out the rest.
COPY --chown=lightsb:lightsb . /app

# Static files are collected at build time (whitenoise serves them); the key is a random
# throwaway that only this step sees (production settings refuse a placeholder), the real one
# comes from the environment at run time.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
      MEDIA_MASTER_KEY="$(python -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
      DATABASE_URL=sqlite:////tmp/build.sqlite3 \
      python manage.py collectstatic --noinput --verbosity 0 \
 && rm -f /tmp/build.sqlite3 \
 && mkdir -p /app/var /tmp/lightsb-metrics \
 && chown -R lightsb:lightsb /app/var /app/staticfiles /tmp/lightsb-metrics \
 && test -d generation/ml/weights

# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 8000

# Liveness only (/healthz touches neither the database nor torch); readiness is /readyz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["gunicorn", "lightsb_site.wsgi", "--config", "gunicorn.conf.py"]
