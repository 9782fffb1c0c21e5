"""The durable queue with its real processes: ``manage.py db_worker`` (and ``run_scheduler``) as
subprocesses on the test database, a real SMTP server that refuses, hangs and recovers.

What a customer and the shop's staff notice: checkouts answer at their usual speed whatever the mail
server does; every email arrives once the server is back, exactly once each, even when a worker is
killed in the middle of sending.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import stripe
from django.db import connection
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from orders.models import Order, SentEmail
from orders.payments.dummy import DUMMY_WEBHOOK_SECRET
from orders.payments.webhooks import dummy_payment_event
from tests.factories import VariantFactory
from tests.orders.test_checkout_api import cart_with, checkout
from tests.smtp_server import FlakySMTPServer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parent.parent
DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WEBHOOK = "/api/v1/payments/stripe/webhook/"
# A checkout takes well under this here; one that waited for the mail server would take its EMAIL_TIMEOUT.
FAST = 2.0


@pytest.fixture(autouse=True)
def _database_queue(settings, monkeypatch):
    """This process enqueues into the database, as the web servers of a deployment do."""
    settings.TASKS = DATABASE_BACKEND
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.PAYMENT_GATEWAY = "dummy"
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"checkout": "10000/min"})


@pytest.fixture
def smtp():
    server = FlakySMTPServer()
    yield server
    server.stop()


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Processes:
    """Starts the shop's processes as a deployment's Procfile would, and ends them all afterwards."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.running: list[subprocess.Popen] = []

    def start(self, *args: str, **env_extra: str) -> subprocess.Popen:
        return self._popen([sys.executable, "manage.py", *args], args[0], env_extra)

    def start_shell(self, name: str, command: str, **env_extra: str) -> subprocess.Popen:
        """Run a Procfile line as a Procfile runner does: with the shell, from the project's root."""
        return self._popen(["/bin/sh", "-c", f"exec {command}"], name, env_extra)

    def _popen(self, argv: list[str], name: str, env_extra: dict) -> subprocess.Popen:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("EMAIL_", "TASKS_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="shop.settings",
            DATABASE_URL=_database_url(),
            DEBUG="false",
            TASKS_BACKEND="django_tasks_db.DatabaseBackend",
            PAYMENT_GATEWAY="dummy",
            STRIPE_SECRET_KEY="",
            STRIPE_WEBHOOK_SECRET="",
            SHOP_TASK_RETRY_BACKOFF="0.2",
            SHOP_TASK_RETRY_BACKOFF_MAX="0.5",
            SHOP_TASK_MAX_ATTEMPTS="200",
            SHOP_PRIVATE_MEDIA_ROOT=str(self.tmp_path / "private"),
            MEDIA_ROOT=str(self.tmp_path / "media"),
            **env_extra,
        )
        with open(self.tmp_path / f"{name}-{len(self.running)}.log", "w") as log:
            process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.running.append(process)
        return process

    def worker(self, **env_extra: str) -> subprocess.Popen:
        return self.start("db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1", **env_extra)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def logs(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.tmp_path.glob("*.log")))


@pytest.fixture
def processes(tmp_path):
    started = Processes(tmp_path)
    yield started
    started.stop_all()


def _wait_for(condition, *, timeout: float, message: str, logs=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"{message}\n{logs() if logs else ''}")


def _timed_checkout(client, variant, email: str) -> Order:
    token = cart_with(client, (variant, 1))
    started = time.monotonic()
    response = checkout(client, token, email=email)
    elapsed = time.monotonic() - started
    assert response.status_code == 201, response.json()
    assert elapsed < FAST, f"checkout took {elapsed:.2f} s"
    return Order.objects.get(number=response.json()["number"])


def _signed_payment(client, order: Order):
    """Stripe's own signature helper, the dummy gateway's secret: the webhook as Stripe would call it."""
    import json

    payload = json.dumps(dummy_payment_event(order=order, outcome="succeed"))
    header = stripe.WebhookSignature.generate_signature_header(payload, DUMMY_WEBHOOK_SECRET)
    started = time.monotonic()
    response = client.post(
        WEBHOOK, data=payload, content_type="application/json", headers={"Stripe-Signature": header}
    )
    assert response.status_code == 200, response.content
    assert time.monotonic() - started < FAST


def test_mail_refused_then_hanging_then_back_delivers_every_notification_exactly_once(
    smtp, processes, settings
):
    # This process (the web server) has the same mail server: were it to send, a checkout would wait.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp.port, 5
    client = APIClient()
    variant = VariantFactory(stock=20)
    processes.worker(EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}", EMAIL_TIMEOUT="1")

    # The mail server refuses connections: checkouts and a payment answer at once all the same.
    smtp.refuse()
    first = _timed_checkout(client, variant, "ann@example.com")
    second = _timed_checkout(client, variant, "ben@example.com")
    _signed_payment(client, first)
    _wait_for(
        lambda: Order.objects.get(pk=first.pk).status == "paid",
        timeout=20,
        message="the worker did not process the payment event",
        logs=processes.logs,
    )
    _wait_for(
        lambda: _retried("orders.tasks.email_send"),
        timeout=20,
        message="the refused email was not tried again",
        logs=processes.logs,
    )
    assert smtp.messages == []

    # The mail server accepts connections and never answers: still no slower checkout.
    smtp.hang()
    third = _timed_checkout(client, variant, "cleo@example.com")
    _wait_for(lambda: smtp.connections >= 2, timeout=20, message="nobody tried the hanging server")
    time.sleep(1.5)  # at least one send runs into EMAIL_TIMEOUT
    assert smtp.messages == []

    # Back: every notification arrives, each once.
    smtp.recover()
    expected = Counter(
        {
            f"We have your order {first.number}": 1,
            f"We have your order {second.number}": 1,
            f"We have your order {third.number}": 1,
            f"Payment received for order {first.number}": 1,
        }
    )
    _wait_for(
        lambda: len(smtp.messages) >= sum(expected.values()),
        timeout=30,
        message=f"not every email arrived: {smtp.subjects()}",
        logs=processes.logs,
    )
    time.sleep(1.5)  # time for a duplicate to arrive, if one were coming
    assert Counter(smtp.subjects()) == expected
    assert SentEmail.objects.count() == 4
    assert not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists()


def _retried(task_path: str) -> bool:
    """A task of ``task_path`` has failed at least once and waits for its next attempt, error kept."""
    return any(
        len(result.worker_ids) >= 1 and result.status == TaskResultStatus.READY and result.traceback
        for result in DBTaskResult.objects.filter(task_path=task_path)
    )


def test_a_worker_killed_while_sending_leaves_the_email_to_another_worker_which_sends_it_once(
    smtp, processes
):
    client = APIClient()
    order = _timed_checkout(client, VariantFactory(stock=5), "dora@example.com")
    smtp.hang()
    first = processes.worker(EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}", EMAIL_TIMEOUT="60")
    _wait_for(
        lambda: (
            smtp.connections >= 1 and DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
        ),
        timeout=20,
        message="the first worker did not start sending",
        logs=processes.logs,
    )
    first.kill()  # SIGKILL, in the middle of the SMTP conversation
    first.wait()
    assert DBTaskResult.objects.get(task_path="orders.tasks.email_send").status == TaskResultStatus.RUNNING

    smtp.recover()
    time.sleep(1.2)  # the task has now been "running" longer than SHOP_TASK_RUNNING_TIMEOUT below
    processes.start("run_scheduler", "--interval", "0.2")
    processes.worker(
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}", EMAIL_TIMEOUT="1", SHOP_TASK_RUNNING_TIMEOUT="1"
    )
    _wait_for(
        lambda: len(smtp.messages) >= 1, timeout=30, message="the email never arrived", logs=processes.logs
    )
    time.sleep(1.5)
    assert smtp.subjects() == [f"We have your order {order.number}"]
    result = DBTaskResult.objects.get(task_path="orders.tasks.email_send")
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert len(result.worker_ids) == 2  # the killed worker's attempt, then the second worker's


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_the_procfile_processes_run_as_written(processes):
    """web answers /healthz with the queue in it, scheduler enqueues the jobs, worker runs them."""
    import socket
    import urllib.request

    procfile = _procfile()
    assert set(procfile) == {"web", "worker", "scheduler"}
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    for name in ("web", "worker", "scheduler"):
        processes.start_shell(name, procfile[name], HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY="1")

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    _wait_for(healthy, timeout=30, message="web did not answer /healthz", logs=processes.logs)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
        import json

        body = json.loads(response.read())
    assert body["database"] == "ok" and body["queue"]["status"] == "ok"
    scheduled = {
        "orders.jobs.unpaid_orders_expire",
        "orders.jobs.health_data_expire",
        "orders.jobs.followups_send_due",
        "shop.queue.tasks_stale_requeue",
        "shop.queue.task_results_prune",
    }
    _wait_for(
        lambda: (
            set(
                DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).values_list(
                    "task_path", flat=True
                )
            )
            == scheduled
        ),
        timeout=30,
        message="the scheduled jobs did not run",
        logs=processes.logs,
    )


def test_two_schedulers_at_the_same_moment_enqueue_each_job_once(settings):
    """Real threads, one connection each, released together: each due job is enqueued by one of them."""
    import threading
    from datetime import UTC, datetime

    from shop.scheduler import schedule_run_due

    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    barrier = threading.Barrier(2)
    enqueued: list[list[str]] = []

    def scheduler():
        try:
            barrier.wait()
            enqueued.append(schedule_run_due(now=now))
        finally:
            connection.close()

    for _ in range(3):  # the first round creates the rows, the later ones race on moving them on
        threads = [threading.Thread(target=scheduler) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        now += max(settings.SHOP_SCHEDULE.values()) * timedelta(seconds=1)
    assert sorted(name for names in enqueued for name in names) == sorted(3 * list(settings.SHOP_SCHEDULE))
    assert DBTaskResult.objects.count() == 3 * len(settings.SHOP_SCHEDULE)
