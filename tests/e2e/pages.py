"""Page helpers for the browser tests: the Django admin as a staff member sees it, and the API docs.

Each workflow test reads as the staff member's steps; the selectors live here, once. Workflows still
to come plug in as methods of ``AdminSite`` (or a new page class) and a test in this folder:

- return requests (done, ``test_admin_returns.py``): ``open_changelist("returns", "returnrequest")`` and
  ``filter_by("status", "Requested")``, then each step from the request page's "next steps" buttons
  (``open_step("Approve")``), its form (``receive_lines``) and its one button (``confirm_step``); the
  refund and the history are read with ``field`` and ``inline_rows``.
- order fulfilment: ``ship_orders`` below (the admin's "Mark shipped" action); a replacement for a
  wrong size is created and shipped from its request's "Create and ship replacement" step instead.
"""

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, expect


@dataclass
class Screenshots:
    """Write one numbered full-page screenshot per step: ``<folder>/01-login.png``, ``02-...``."""

    page: Page
    folder: Path
    taken: list[Path] = field(default_factory=list)

    def __call__(self, step: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{len(self.taken) + 1:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


class AdminSite:
    """The Django admin at ``/admin/``, driven through its real HTML, CSS and JavaScript."""

    def __init__(self, page: Page):
        self.page = page

    # --- navigation -------------------------------------------------------------------------------
    def login(self, *, email: str, password: str) -> None:
        """Log in through the admin's login form and land on the dashboard."""
        self.page.goto("/admin/login/?next=/admin/")
        self.page.fill("#id_username", email)
        self.page.fill("#id_password", password)
        self.page.click("input[type=submit]")
        expect(self.page.locator("#user-tools")).to_contain_text("Welcome")

    def open_changelist(self, app_label: str, model: str, query: str = "") -> None:
        self.page.goto(f"/admin/{app_label}/{model}/" + (f"?{query}" if query else ""))
        expect(self.page.locator("#changelist")).to_be_visible()

    def search(self, term: str) -> None:
        """Type into the changelist's search box and submit, as a person would."""
        self.page.fill("#searchbar", term)
        self.page.press("#searchbar", "Enter")
        expect(self.page.locator("#changelist")).to_be_visible()

    def filter_by(self, title: str, choice: str) -> None:
        """Click ``choice`` under the changelist's sidebar filter ``title`` (e.g. "awaiting shipment")."""
        group = self.page.locator(f'#changelist-filter details[data-filter-title="{title}"]')
        group.get_by_role("link", name=choice, exact=True).click()
        expect(self.page.locator("#changelist")).to_be_visible()

    def open_row(self, text: str) -> None:
        """Follow the changelist link whose text is ``text`` to the object's change page."""
        self.page.locator("#result_list").get_by_role("link", name=text, exact=True).click()
        expect(self.page.locator("#content-main form")).to_be_visible()

    # --- reading ----------------------------------------------------------------------------------
    def result_rows(self):
        return self.page.locator("#result_list tbody tr")

    def messages(self) -> list[str]:
        return self.page.locator("ul.messagelist li").all_inner_texts()

    def inline_rows(self, prefix: str):
        """The rows of the inline formset with this prefix (e.g. ``images``, ``status_changes``)."""
        return self.page.locator(f"#{prefix}-group tbody tr.form-row.has_original")

    # --- acting -----------------------------------------------------------------------------------
    def save(self, button: str = "_save") -> None:
        self.page.click(f"input[name={button}]")

    def add_inline_row(self, prefix: str) -> None:
        """Click the inline's "Add another ..." button (the admin's JavaScript adds the empty form)."""
        self.page.locator(f"#{prefix}-group .add-row a").click()

    def run_action(self, action: str, *, rows: list[str]) -> None:
        """Tick the rows whose first link reads one of ``rows`` and run the named admin action."""
        for text in rows:
            row = self.result_rows().filter(has=self.page.get_by_role("link", name=text, exact=True))
            row.locator("input.action-select").check()
        self.page.select_option("select[name=action]", action)
        self.page.click("button[name=index]")

    def ship_orders(self, shipments: dict[str, tuple[str, str]]) -> None:
        """Fill the "Mark shipped" form: order number -> (carrier, tracking number), then submit."""
        for number, (carrier, tracking) in shipments.items():
            row = self.page.locator("tbody tr", has_text=number)
            row.locator("input[name$=-carrier]").fill(carrier)
            row.locator("input[name$=-tracking_number]").fill(tracking)
        self.page.click("input[type=submit][value='Mark shipped']")

    # --- return requests (/admin/returns/returnrequest/<id>/<step>/) --------------------------------
    def field(self, name: str):
        """A read-only field of the change page, e.g. ``status`` or ``refunded_total``."""
        return self.page.locator(f"#content-main .field-{name} .readonly")

    def open_step(self, label: str) -> None:
        """Click one of the request page's "next steps" buttons (e.g. "Approve") and land on its step page."""
        self.field("next_steps").get_by_role("link", name=label, exact=True).click()
        expect(self.page.locator("#return-step")).to_be_visible()

    def step_lines(self):
        return self.page.locator("#return-lines tbody tr")

    def receive_lines(self, received: dict[str, tuple[int, bool]]) -> None:
        """On the receive page, per SKU: the received quantity and whether "Back to stock" is ticked."""
        for sku, (quantity, restock) in received.items():
            row = self.page.locator(f'#return-lines tbody tr[data-sku="{sku}"]')
            row.locator("input[name$='-received_quantity']").fill(str(quantity))
            row.locator("input[name$='-restock']").set_checked(restock)

    def confirm_step(self, label: str) -> None:
        """Press the step page's one button (e.g. "Mark received") and land back on the request page."""
        self.page.click(f"#return-step input[type=submit][value='{label}']")
        expect(self.page.locator("ul.messagelist")).to_be_visible()


class BackOffice(AdminSite):
    """The back office on top of the admin: the dashboard's panels and the acts on an order's page.

    ``clicks`` counts what the staff member clicks (typing does not count), so a test can hold a
    workflow to a number of clicks.
    """

    def __init__(self, page: Page):
        super().__init__(page)
        self.clicks = 0

    def click(self, locator) -> None:
        self.clicks += 1
        locator.click()

    def panel(self, key: str):
        """A dashboard panel, e.g. ``to-ship``, ``returns``, ``to-make``."""
        return self.page.locator(f"#panel-{key}")

    def panel_rows(self, key: str):
        return self.panel(key).locator("li")

    def act(self, label: str) -> None:
        """Click one of the order page's acts (e.g. "Ship") and land on its form."""
        self.click(self.page.locator("#order-acts").get_by_role("link", name=label, exact=True))
        expect(self.page.locator("#order-act")).to_be_visible()

    def confirm_act(self, label: str) -> None:
        self.click(self.page.locator(f"#order-act input[type=submit][value='{label}']"))
        expect(self.page.locator("ul.messagelist")).to_be_visible()

    def app_links(self) -> list[str]:
        """The model links of the admin index's app list (the menus the member of staff sees)."""
        return self.page.locator("#content-main .module th a").evaluate_all(
            "links => links.map(link => link.getAttribute('href'))"
        )


class ApiDocs:
    """The interactive API documentation (Swagger UI) at ``/api/docs/``."""

    def __init__(self, page: Page):
        self.page = page

    def open(self) -> None:
        self.page.goto("/api/docs/")
        expect(self.page.locator(".swagger-ui .info .title")).to_be_visible()

    def operations(self):
        return self.page.locator(".swagger-ui .opblock")
