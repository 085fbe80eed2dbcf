"""The web benchmark's and the load test's shared pieces: a database with the demo data, gunicorn under production
settings (server.py), a small HTTP client for fixed-page throughput (hammer.py), Locust's user mix (locustfile.py)."""
