# The archive on its embedded defaults (SQLite + Whoosh), run the way `make start` runs it.
FROM python:3.11-slim AS build
WORKDIR /app
COPY requirements.txt .
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir -r requirements.txt

FROM python:3.11-slim
RUN useradd --create-home --uid 1000 archive
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=archive:archive . .
ENV PATH=/venv/bin:$PATH ARCHIVE_VAR_DIR=/data BIND=0.0.0.0:8000 PYTHONUNBUFFERED=1
RUN mkdir -p /data && chown archive:archive /data
USER archive
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/', timeout=4)"
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py load_seed_content && python manage.py index_doctor && python manage.py collectstatic --noinput -v0 && gunicorn --config config/gunicorn.conf.py config.wsgi"]
