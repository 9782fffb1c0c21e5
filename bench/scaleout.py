"""The scale-out claim on one machine: two app servers behind nginx, sharing PostgreSQL, Redis and files.

    .venv/bin/python -m bench.scaleout [--worker-cmd "manage.py db_worker"] [--worker-env KEY=VALUE ...]

Starts an S3-compatible object store (moto in server mode, ``tests/s3server.py``) with a public and a
private bucket, two gunicorn app servers (127.0.0.1:8401 and :8402, 2 workers each, separate
processes) with ``STORAGE_URL`` pointing at it, on a throwaway PostgreSQL database
(``SCALEOUT_DATABASE_URL``, default ``shop_scaleout``) and one Redis (``SCALEOUT_REDIS_URL``, default
database 14), and nginx from Debian's packages on 127.0.0.1:8400 balancing between them. Then:

1. requests through nginx reach both servers;
2. a product page cached through server B is changed by staff in the admin of server A, and the next read
   through B shows the change (the catalogue version lives in the shared Redis);
3. a customer's footprint uploaded through server A is served through server B: B's checked view
   redirects the owner to a signed URL of the private bucket, which returns the same bytes, while the
   object's plain URL is refused (403) and another customer gets 404;
4. checkout load through nginx (``bench/checkout.py``, when it exists): stock adds up exactly and no
   order is lost or duplicated. Skipped, and said so, when checkout is not there;
5. every email is delivered once: only with ``--worker-cmd``, the command of the task queue's worker
   process (a ``manage.py`` command is run with this Python), started beside the app servers with the
   same environment. ``--worker-env`` adds variables to every process (the queue's backend, for one).
   The shop's mail goes to an SMTP sink in this script (``EMAIL_URL`` and ``EMAIL_HOST``/``EMAIL_PORT``
   point at it); once the queue is drained, every order must have had its emails, none twice. Without
   a worker the check is skipped, and said so.

Figures (upload, redirect and signed-download times) are printed as they are measured. Exit status 0
when every check that ran passed.
"""

import argparse
import collections
import contextlib
import email
import email.header
import http.cookiejar
import json
import os
import re
import shlex
import shutil
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from bench.run import database_create, database_drop, say, server_stop

ROOT = Path(__file__).resolve().parent.parent

PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
NGINX_PORT, APP_PORTS = 8400, (8401, 8402)
STAFF_EMAIL, STAFF_PASSWORD = "scaleout-staff@example.com", "scaleout-staff-password-2026"  # noqa: S105

NGINX_CONF = """
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    upstream shop {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://shop;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class Browser:
    """A tiny HTTP client with cookies, enough to log in to the admin and post a form."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None):
        body = None if data is None else urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=headers or {}
        )
        if body is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
            request.add_header("Referer", self.base_url + path)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def csrf_token(self, path: str) -> str:
        _, _, page = self.request("GET", path)
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def api_call(base_url: str, method: str, path: str, *, token: str, body: bytes | None = None,
             content_type: str | None = None):  # fmt: skip
    """One API request with a token, redirects not followed: (status, headers, body)."""
    request = urllib.request.Request(base_url + path, data=body, method=method)
    request.add_header("Authorization", f"Token {token}")
    if content_type:
        request.add_header("Content-Type", content_type)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def multipart(fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type; ``files``: name -> (file name, type, bytes)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content_type, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def anonymous_get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def footprint_picture() -> bytes:
    """A drawn footprint as a JPEG, as a customer's phone would send it."""
    from tests.matching.prints import draw_print, encode

    return encode(draw_print("flat", angle=15).image, format="JPEG").getvalue()


def milliseconds(seconds: list[float]) -> str:
    values = sorted(value * 1000 for value in seconds)
    p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
    return f"p50 {statistics.median(values):.1f} ms, p90 {p90:.1f} ms over {len(values)}"


class SmtpSink(socketserver.ThreadingTCPServer):
    """An SMTP server on 127.0.0.1 that accepts every message and keeps it (enough for Django's client)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return self.server_address[1]


class _SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 bench SMTP sink\r\n")
        lines: list[bytes] | None = None
        for line in self.rfile:
            if lines is not None:
                if line.rstrip(b"\r\n") == b".":
                    with self.server.lock:
                        self.server.messages.append(email.message_from_bytes(b"".join(lines)))
                    lines = None
                    self.wfile.write(b"250 OK\r\n")
                else:
                    lines.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.wfile.write(b"250-bench\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                lines = []
                self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 Bye\r\n")
                return
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                self.wfile.write(b"250 OK\r\n")


def _header(message, name: str) -> str:
    return str(email.header.make_header(email.header.decode_header(message.get(name, ""))))


def check(label: str, passed: bool, detail: str = "") -> bool:
    print(f"{'PASS' if passed else 'FAIL'}  {label}{': ' + detail if detail else ''}", flush=True)
    return passed


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server exited; see {log}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1 only
                if response.status == 200:
                    return
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within 30 s; see {log}")


def arguments(argv: list[str] | None):
    parser = argparse.ArgumentParser(
        description="Two app servers sharing PostgreSQL, Redis and object storage."
    )
    parser.add_argument(
        "--worker-cmd",
        default="",
        help='the task queue\'s worker process, e.g. "manage.py db_worker" (manage.py runs with this Python)',
    )
    parser.add_argument(
        "--worker-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an environment variable for every process (app servers, worker), e.g. the queue's TASKS_BACKEND",
    )
    return parser.parse_args(argv)


def worker_command(command: str) -> list[str]:
    words = shlex.split(command)
    return [PYTHON, *words] if words and words[0].endswith(".py") else words


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        say("nginx is missing: install it with `sudo apt-get install -y nginx-light`, then rerun.")
        return 2
    from tests.s3 import PRIVATE_BUCKET, S3Server
    from tests.s3server import ACCESS_KEY, SECRET_KEY

    database_url = os.environ.get("SCALEOUT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop_scaleout")
    redis_url = os.environ.get("SCALEOUT_REDIS_URL", "redis://127.0.0.1:6379/14")
    work = Path(tempfile.mkdtemp(prefix="shop-scaleout-"))
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": ",".join(f"http://127.0.0.1:{p}" for p in (NGINX_PORT, *APP_PORTS)),
        "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(work / "static"),
        "CATALOGUE_CACHE_TIMEOUT": "300",
        "THROTTLE_CHECKOUT": "100000000/min",
        "PAYMENT_GATEWAY": "dummy",
        "LOG_LEVEL": "WARNING",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }
    for assignment in args.worker_env:
        key, _, value = assignment.partition("=")
        env[key] = value
    processes: list[subprocess.Popen] = []
    results: list[bool] = []
    object_store = smtp = None
    try:
        object_store = S3Server.start()
        env["STORAGE_URL"] = object_store.storage_url()
        print(f"object store (moto server) at {object_store.endpoint_url}; STORAGE_URL={env['STORAGE_URL']}")
        if args.worker_cmd:
            smtp = SmtpSink()
            threading.Thread(target=smtp.serve_forever, daemon=True).start()
            env |= {
                "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(smtp.port),
            }
        database_create(database_url)
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        setup = (
            "import django; django.setup()\n"
            "from bench.catalogue import bench_catalogue_create\n"
            "from django.contrib.auth import get_user_model\n"
            "from catalogue.cache import catalogue_changed\n"
            "from rest_framework.authtoken.models import Token\n"
            "from tests.factories import consents_give\n"
            "bench_catalogue_create(products=50)\n"
            f"get_user_model().objects.create_superuser(email={STAFF_EMAIL!r}, password={STAFF_PASSWORD!r})\n"
            "catalogue_changed()\n"
            "for email in ('scaleout-owner@example.com', 'scaleout-other@example.com'):\n"
            "    user = consents_give(get_user_model().objects.create_user(email=email, password='x-' + email))\n"
            "    print(Token.objects.create(user=user).key)\n"
        )
        owner_token, other_token = subprocess.run(
            [PYTHON, "-c", setup], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        ).stdout.split()[-2:]

        for port in APP_PORTS:
            log = work / f"app-{port}.log"
            processes.append(
                subprocess.Popen(
                    [
                        GUNICORN,
                        "-c",
                        str(ROOT / "gunicorn.conf.py"),
                        "--workers",
                        "2",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "shop.wsgi",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log.open("w"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            )
            wait_for(f"http://127.0.0.1:{port}/healthz", processes[-1], log)
        worker = None
        if args.worker_cmd:
            log = work / "worker.log"
            worker = subprocess.Popen(
                worker_command(args.worker_cmd), cwd=ROOT, env=env, stdout=log.open("w"),
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            processes.append(worker)
            time.sleep(2)
            results.append(
                check(f"worker process started: {args.worker_cmd}", worker.poll() is None, f"log: {log}")
            )
        (work / "nginx.conf").write_text(
            NGINX_CONF.format(work=work, a=APP_PORTS[0], b=APP_PORTS[1], port=NGINX_PORT)
        )
        processes.append(
            subprocess.Popen(
                [nginx, "-p", str(work), "-c", str(work / "nginx.conf"), "-g", "daemon off;"],
                stdout=(work / "nginx.out").open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        )
        wait_for(f"http://127.0.0.1:{NGINX_PORT}/healthz", processes[-1], work / "nginx-error.log")

        # 1. The balancer uses both servers.
        balancer = Browser(f"http://127.0.0.1:{NGINX_PORT}")
        upstreams = {balancer.request("GET", "/healthz")[1].get("X-Upstream") for _ in range(10)}
        results.append(
            check("nginx balances over both app servers", len(upstreams) == 2, ", ".join(sorted(upstreams)))
        )

        # 2. A change through server A is seen through server B.
        server_a = Browser(f"http://127.0.0.1:{APP_PORTS[0]}")
        server_b = Browser(f"http://127.0.0.1:{APP_PORTS[1]}")
        _, _, page = server_b.request("GET", "/api/v1/products/?page_size=1")
        product = json.loads(page)["results"][0]
        detail_path = f"/api/v1/products/{product['slug']}/"
        server_b.request("GET", detail_path)
        status, headers, body = server_b.request("GET", detail_path)
        results.append(
            check(
                "server B serves the product page from the shared cache",
                headers.get("X-Catalogue-Cache") == "hit",
            )
        )
        old_etag = headers.get("ETag")

        token = server_a.csrf_token("/admin/login/")
        status, _, _ = server_a.request(
            "POST", "/admin/login/?next=/admin/",
            {"csrfmiddlewaretoken": token, "username": STAFF_EMAIL, "password": STAFF_PASSWORD},
        )  # fmt: skip
        setup_id = (
            "import django; django.setup()\n"
            "from catalogue.models import Product\n"
            f"p = Product.objects.get(slug={product['slug']!r})\n"
            "print(p.pk, p.category_id, p.kind, p.arch_support, p.posting)\n"
        )
        fields = subprocess.run(
            [PYTHON, "-c", setup_id], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        ).stdout.split()
        pk, category, kind, arch_support, posting = fields
        change_path = f"/admin/catalogue/product/{pk}/change/"
        new_name = f"{product['name']} (changed through server A)"
        form = {
            "csrfmiddlewaretoken": server_a.csrf_token(change_path),
            "name": new_name, "slug": product["slug"], "category": category, "kind": kind, "is_active": "on",
            "arch_support": arch_support, "posting": posting, "heel_lift_mm": "0", "production_days": "0",
            "variants-TOTAL_FORMS": "0", "variants-INITIAL_FORMS": "0",
            "images-TOTAL_FORMS": "0", "images-INITIAL_FORMS": "0", "_save": "Save",
        }  # fmt: skip
        status, _, _ = server_a.request("POST", change_path, form)
        results.append(
            check("staff change the product in the admin of server A", status in (200, 302), f"HTTP {status}")
        )
        status, headers, body = server_b.request("GET", detail_path)
        seen = json.loads(body).get("name") == new_name
        results.append(
            check(
                "server B shows the change at once",
                seen and headers.get("ETag") != old_etag,
                f"name {json.loads(body).get('name')!r}, cache {headers.get('X-Catalogue-Cache')}",
            )
        )

        # 3. An upload through server A is served through server B, from the private bucket.
        url_a, url_b = (f"http://127.0.0.1:{port}" for port in APP_PORTS)
        uploads, redirects, downloads = [], [], []
        served_by_b = refused_plain = hidden_from_other = True
        for _ in range(5):
            body, content_type = multipart(
                {"side": "left"}, {"image": ("print.jpg", "image/jpeg", footprint_picture())}
            )
            started = time.perf_counter()
            status, _, answer = api_call(url_a, "POST", "/api/v1/fit/footprints/", token=owner_token, body=body,
                                         content_type=content_type)  # fmt: skip
            uploads.append(time.perf_counter() - started)
            if status != 201:
                results.append(
                    check("a footprint uploads through server A", False, f"HTTP {status}: {answer[:300]!r}")
                )
                break
            footprint = json.loads(answer)["id"]
            path = f"/api/v1/fit/footprints/{footprint}/image/"
            started = time.perf_counter()
            status, headers, _ = api_call(url_b, "GET", path, token=owner_token)
            redirects.append(time.perf_counter() - started)
            location = headers.get("Location", "")
            started = time.perf_counter()
            fetched_status, _, fetched = anonymous_get(location) if status == 302 else (status, None, b"")
            downloads.append(time.perf_counter() - started)
            name = urllib.parse.unquote(urllib.parse.urlsplit(location).path).split(f"/{PRIVATE_BUCKET}/", 1)[
                -1
            ]
            stored = object_store.read(PRIVATE_BUCKET, name) if status == 302 else None
            served_by_b &= (
                status == 302
                and fetched_status == 200
                and fetched == stored
                and fetched[:3] == b"\xff\xd8\xff"
            )
            refused_plain &= anonymous_get(object_store.plain_url(PRIVATE_BUCKET, name))[0] == 403
            hidden_from_other &= api_call(url_b, "GET", path, token=other_token)[0] == 404
        results.append(
            check(
                "a footprint uploaded through server A is served through server B (signed URL)", served_by_b
            )
        )
        results.append(check("the object's plain URL is refused by the store (403)", refused_plain))
        results.append(check("another customer gets 404 from server B", hidden_from_other))
        print(f"      upload through A: {milliseconds(uploads)}")
        print(f"      B's checked view to the signed redirect: {milliseconds(redirects)}")
        print(f"      signed download from the object store: {milliseconds(downloads)}")

        # 4. Checkout consistency across both servers, when checkout exists.
        if (ROOT / "bench" / "checkout.py").exists() and balancer.request("POST", "/api/v1/checkout/", {})[
            0
        ] != 404:
            run = subprocess.run(
                [PYTHON, "-m", "bench.checkout", f"http://127.0.0.1:{NGINX_PORT}", "--clients", "16", "--orders", "300"],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
            )  # fmt: skip
            print(run.stdout.rstrip())
            results.append(check("checkout through nginx: stock adds up, no order lost or duplicated", run.returncode == 0,
                                 run.stderr.strip()[-500:]))  # fmt: skip
            checkout_ran = True
        else:
            checkout_ran = False
            print("SKIP  checkout consistency: the checkout endpoint or bench/checkout.py does not exist yet")

        # 5. Every email delivered once, by the worker.
        if worker is None:
            print(
                'SKIP  every email delivered once: needs the task queue\'s worker (--worker-cmd "manage.py db_worker")'
            )
        elif not checkout_ran:
            print("SKIP  every email delivered once: no checkout load ran to send any")
        else:
            results.append(emails_delivered_once(smtp, env, worker))
    finally:
        for process in reversed(processes):
            server_stop(process)
        if object_store is not None:
            object_store.stop()
        if smtp is not None:
            smtp.shutdown()
        database_drop(database_url)
        shutil.rmtree(work, ignore_errors=True)
    return 0 if results and all(results) else 1


def emails_delivered_once(smtp: SmtpSink, env: dict, worker: subprocess.Popen) -> bool:
    """Wait until the sink has had no new email for 10 s (at most 5 minutes), then count per order."""
    deadline, last_count, last_change = time.monotonic() + 300, -1, time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - last_change < 10:
        with smtp.lock:
            count = len(smtp.messages)
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        time.sleep(0.5)
    numbers = subprocess.run(
        [PYTHON, "-c", "import django; django.setup()\nfrom orders.models import Order\n"
                       "print('\\n'.join(Order.objects.values_list('number', flat=True)))"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    with smtp.lock:
        sent = collections.Counter((_header(m, "To"), _header(m, "Subject")) for m in smtp.messages)
    twice = [key for key, times in sent.items() if times > 1]
    subjects = " ".join(subject for _, subject in sent)
    unmailed = [number for number in numbers if number not in subjects]
    print(
        f"      {sum(sent.values())} emails for {len(numbers)} orders; worker {'running' if worker.poll() is None else 'exited'}"
    )
    return check(
        "every order's emails delivered, none twice",
        bool(numbers) and not twice and not unmailed,
        f"{len(twice)} sent twice, {len(unmailed)} orders without an email"
        + ("; no email at all: do the settings read EMAIL_URL or EMAIL_HOST/EMAIL_PORT?" if not sent else ""),
    )


if __name__ == "__main__":
    sys.exit(main())
