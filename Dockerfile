# ESS 2024 — one image for the web server (gunicorn), the Celery worker and Celery beat (see docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext: compilemessages turns locale/*.po into the .mo files Django reads.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /home/ess2024 ess2024

WORKDIR /app

# Dependencies first, in their own layer: pyproject.toml installs no package of its own (packages = []).
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Build-time only key: collectstatic and compilemessages load the production settings, which refuse to start
# without one. The real SECRET_KEY comes from the environment at run time.
RUN SECRET_KEY=build-only-not-used-at-run-time python manage.py collectstatic --noinput \
    && if ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
        SECRET_KEY=build-only-not-used-at-run-time python manage.py compilemessages; fi \
    && mkdir -p /app/media \
    && chown -R ess2024:ess2024 /app/media

USER ess2024
EXPOSE 8000

# /sante/ (ess2024/health.py): the database, the Redis cache and the Celery broker reachable. The probe asks over
# plain HTTP with `X-Forwarded-Proto: https` (what the TLS proxy sends, so SECURE_SSL_REDIRECT does not answer 301)
# and the first ALLOWED_HOSTS entry as Host. The worker and beat containers of docker-compose replace it.
HEALTHCHECK --interval=15s --timeout=8s --start-period=30s --retries=3 CMD ["python", "-m", "ess2024.health", "8000"]

CMD ["gunicorn", "ess2024.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-", "--forwarded-allow-ips", "*"]
