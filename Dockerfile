# The archive's image: the same steps as the README's `make start`, under gunicorn with
# its one index writer (manage.py run_indexer, started by config/gunicorn.conf.py).
#   docker build -t security-press-archive .
#   docker run -p 8000:8000 -v archive-data:/data -v archive-index:/index \
#     -e SECRET_KEY=… -e ALLOWED_HOSTS=archive.example.org -e HTTPS=true -e BEHIND_PROXY=true security-press-archive

# Stage 1: build the virtualenv (compilers and headers stay in this stage).
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.txt .
RUN python -m venv /venv && /venv/bin/pip install -r requirements.txt

# Stage 2: collect static files once, hashed and compressed, for whitenoise.
FROM build AS static
COPY . .
RUN SECRET_KEY=collectstatic-only ARCHIVE_VAR_DIR=/tmp/var STATIC_ROOT=/app/staticfiles \
    /venv/bin/python manage.py collectstatic --noinput -v0

# Stage 3: the runtime, as an unprivileged user.
FROM python:3.11-slim
RUN useradd --create-home --uid 1000 archive \
    && mkdir -p /data /index \
    && chown archive:archive /data /index
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=archive:archive . .
COPY --from=static --chown=archive:archive /app/staticfiles /app/staticfiles
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ARCHIVE_VAR_DIR=/data \
    STATIC_ROOT=/app/staticfiles \
    SEARCH_URL=whoosh:///index/whoosh_index \
    BIND=0.0.0.0:8000 \
    WEB_CONCURRENCY=3
USER archive
# /data: the SQLite database and the local secret key; /index: the Whoosh index home.
# Keep the index on its own volume, so a full index disk cannot stop saves to the database.
VOLUME ["/data", "/index"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["python", "config/healthcheck.py"]
# The README's `make start`: migrate, seed an empty archive, repair index drift, serve.
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py load_seed_content && python manage.py index_doctor && exec gunicorn --config config/gunicorn.conf.py config.wsgi"]
