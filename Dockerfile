# Basket Ops web, worker and scheduler image (docker-compose.yml builds it).
# AC-8: runs as an unprivileged user; holds code and static files only: no var/, no .git,
# no virtualenv, no tests (.dockerignore); data lives in the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BASKETOPS_DATA_DIR=/data \
    STATIC_ROOT=/app/static

RUN groupadd --system --gid 10001 basketops \
    && useradd --system --uid 10001 --gid basketops --home-dir /app --shell /usr/sbin/nologin basketops \
    && install --directory --owner basketops --group basketops --mode 0700 /data

WORKDIR /app
COPY . /app
# Static files are collected at build time into the image (owned by root, read-only to the
# app); the settings need a key and a database URL to load, neither is used or kept. The
# settings make every folder and file private (umask 077), so the collected files are then
# opened to every user: they are public assets, and the app runs as another user.
# Exactly the locked versions, hash-checked, then the product itself.
RUN pip install --no-cache-dir --require-hashes -r requirements.lock \
    && pip install --no-cache-dir --no-deps . \
    && SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/unused \
       BASKETOPS_DATA_DIR=/tmp/build python manage.py collectstatic --no-input \
    && rm -rf /tmp/build \
    && chmod -R a+rX "$STATIC_ROOT" \
    && chmod -R go-w /app

USER basketops:basketops
VOLUME ["/data"]
# Everything the processes create under /data is readable by their owner only.
ENTRYPOINT ["/bin/sh", "-c", "umask 077 && exec \"$@\"", "--"]
