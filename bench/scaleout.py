"""The scale-out claim on one machine: two app servers behind nginx, sharing PostgreSQL and Redis.

    .venv/bin/python -m bench.scaleout

Starts two gunicorn app servers (127.0.0.1:8401 and :8402, 2 workers each) on a throwaway PostgreSQL
database (``SCALEOUT_DATABASE_URL``, default ``shop_scaleout``) and one Redis (``SCALEOUT_REDIS_URL``,
default database 14), and nginx from Debian's packages on 127.0.0.1:8400 balancing between them. Then:

1. requests through nginx reach both servers;
2. a product page cached through server B is changed by staff in the admin of server A, and the next read
   through B shows the change (the catalogue version lives in the shared Redis);
3. checkout load through nginx (``bench/checkout.py``, when it exists): stock adds up exactly and no
   order is lost or duplicated. Skipped, and said so, when checkout is not there.

Exit status 0 when every check that ran passed.
"""

import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
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


def main() -> int:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        say("nginx is missing: install it with `sudo apt-get install -y nginx-light`, then rerun.")
        return 2
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
    }
    processes: list[subprocess.Popen] = []
    results: list[bool] = []
    try:
        database_create(database_url)
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        setup = (
            "import django; django.setup()\n"
            "from bench.catalogue import bench_catalogue_create\n"
            "from django.contrib.auth import get_user_model\n"
            "from catalogue.cache import catalogue_changed\n"
            "bench_catalogue_create(products=50)\n"
            f"get_user_model().objects.create_superuser(email={STAFF_EMAIL!r}, password={STAFF_PASSWORD!r})\n"
            "catalogue_changed()\n"
        )
        subprocess.run([PYTHON, "-c", setup], cwd=ROOT, env=env, check=True)

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

        # 3. Checkout consistency across both servers, when checkout exists.
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
        else:
            print("SKIP  checkout consistency: the checkout endpoint or bench/checkout.py does not exist yet")
    finally:
        for process in reversed(processes):
            server_stop(process)
        database_drop(database_url)
        shutil.rmtree(work, ignore_errors=True)
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
