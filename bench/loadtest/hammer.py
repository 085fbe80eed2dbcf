"""Fixed-page throughput: `python -m bench.loadtest.hammer --concurrency 50 --seconds 5 URL...` prints one JSON line
per URL: {"url", "requests", "errors", "statuses", "rps", "p50_ms", "p95_ms", "client_cpu"}.

N greenlets (gevent, geventhttpclient's C parser) each request the page in a loop, one after the other, for a
warm-up (not counted) then the measured seconds: req/s counts the 200 answers that arrived within the measured window;
p50/p95 are the times of the requests sent within it, each waited for to the end, however long (queueing in
gunicorn's backlog included, as a browser would wait). With `--rounds R` the
URLs are measured in turn R times for seconds/R each, so on a shared, noisy machine every page sees the same
moments of load (the ratios to the first URL are what to read).
`client_cpu` is the CPU this client used per second of measure (1.0 = one full core): well under 1, the client is
not what limits the figure. Run in its own process (bench_web does), since gevent patches the standard library.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

import gevent  # noqa: E402
from geventhttpclient import URL, HTTPClient  # noqa: E402


def _percentile(samples: list[float], share: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(url: str, *, concurrency: int, seconds: float, warmup: float) -> dict:
    target = URL(url)
    started = time.monotonic()
    window = (started + warmup, started + warmup + seconds)
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors = answered = 0

    def loop() -> None:
        nonlocal errors, answered
        client = HTTPClient.from_url(target, concurrency=1, connection_timeout=30, network_timeout=60)
        try:
            while True:
                begin = time.monotonic()
                if begin >= window[1]:
                    return
                try:
                    response = client.get(target.request_uri, headers={"Accept-Language": "fr"})
                    response.read()
                    status = response.status_code
                    response.release()
                except Exception:  # noqa: BLE001 - counted as an error, the loop goes on
                    status = None
                    client.close()
                    client = HTTPClient.from_url(target, concurrency=1, connection_timeout=30, network_timeout=60)
                end = time.monotonic()
                if window[0] <= end <= window[1]:
                    statuses[status] += 1
                    if status == 200:
                        answered += 1
                    else:
                        errors += 1
                if window[0] <= begin and status == 200:  # started in the window: its whole time, however long
                    latencies.append((end - begin) * 1000)
        finally:
            client.close()

    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    gevent.joinall([gevent.spawn(loop) for _ in range(concurrency)])
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return {
        "requests": sum(statuses.values()),
        "errors": errors,
        "statuses": {str(k): v for k, v in statuses.items()},
        "latencies": latencies,
        "answered": answered,
        "client_cpu": cpu / (warmup + seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest.hammer")
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--rounds", type=int, default=1)
    options = parser.parse_args()
    rounds = max(1, options.rounds)
    totals: dict[str, list[dict]] = {url: [] for url in options.urls}
    for _ in range(rounds):
        for url in options.urls:
            totals[url].append(
                measure(url, concurrency=options.concurrency, seconds=options.seconds / rounds, warmup=options.warmup)
            )
    for url, parts in totals.items():
        print(json.dumps(_combine(url, parts, options.seconds)), flush=True)


def _combine(url: str, parts: list[dict], seconds: float) -> dict:
    latencies = [ms for part in parts for ms in part.pop("latencies")]
    statuses: Counter = Counter()
    for part in parts:
        statuses.update(part["statuses"])
    return {
        "url": url,
        "requests": sum(part["requests"] for part in parts),
        "errors": sum(part["errors"] for part in parts),
        "statuses": dict(statuses),
        "rps": round(sum(part["answered"] for part in parts) / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "client_cpu": round(max(part["client_cpu"] for part in parts), 3),
    }


if __name__ == "__main__":
    main()
