# syntax=docker/dockerfile:1
# One image for every deployable; the command chooses which one runs:
#   api               (default CMD) gunicorn with uvicorn workers on :8000
#   stream-processor  quiz stream-processor
#   workers           quiz worker score-event | notification | quiz-event  (:8081 health)

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}"

# Versions come from constraints.txt, the same pins CI tests with.
COPY pyproject.toml constraints.txt README.md ./
COPY quizcore ./quizcore
COPY adapters ./adapters
COPY entrypoints ./entrypoints
COPY flink ./flink
RUN pip install --no-cache-dir -c constraints.txt ".[cloud]" \
    && python -m compileall -q /opt/venv/lib

FROM ${PYTHON_IMAGE} AS runtime

ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

RUN groupadd --system --gid 10001 quiz \
    && useradd --system --uid 10001 --gid quiz --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin quiz

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# gunicorn reads its settings from this path, relative to the working directory.
COPY entrypoints/api/gunicorn_conf.py entrypoints/api/gunicorn_conf.py

# Numeric user, so Kubernetes can verify runAsNonRoot.
USER 10001:10001
EXPOSE 8000 8081

CMD ["gunicorn", "-k", "entrypoints.api.gunicorn_conf.ApiWorker", "-c", "entrypoints/api/gunicorn_conf.py", "entrypoints.api.asgi:app"]
