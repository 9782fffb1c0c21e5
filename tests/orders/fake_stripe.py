"""A stand-in for Stripe's servers: a real ``stripe.HTTPClient`` subclass answering with Stripe-shaped JSON."""

import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import stripe


@dataclass
class SentRequest:
    method: str
    path: str
    headers: dict
    form: dict


class FakeStripeHTTPClient(stripe.HTTPClient):
    """Record every request; answer from a queue of ``(status, body)`` or with a default success."""

    name = "fake"

    def __init__(self):
        super().__init__()
        self.sent: list[SentRequest] = []
        self.answers: list[tuple[int, dict]] = []
        self.on_request = None  # optional callable run when a request arrives (to look at the database)

    def _sleep_time_seconds(self, num_retries):  # no waiting between retries in tests
        return 0

    def queue(self, status: int, body: dict) -> None:
        self.answers.append((status, body))

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        form = dict(parse_qsl(post_data or "", keep_blank_values=True))
        path = urlsplit(url).path
        self.sent.append(SentRequest(method=method, path=path, headers=dict(headers or {}), form=form))
        if self.on_request:
            self.on_request(self.sent[-1])
        if self.answers:
            status, body = self.answers.pop(0)
        else:
            status, body = 200, self._success(path, form)
        return json.dumps(body), status, {"Request-Id": f"req_{len(self.sent)}"}

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        raise NotImplementedError

    def close(self):
        pass

    @staticmethod
    def _success(path: str, form: dict) -> dict:
        if path == "/v1/payment_intents":
            number = form.get("metadata[order_number]", "X")
            return {
                "id": f"pi_{number}",
                "object": "payment_intent",
                "amount": int(form["amount"]),
                "currency": form["currency"],
                "status": "requires_payment_method",
                "client_secret": f"pi_{number}_secret_abc",
                "metadata": {"order_number": number},
            }
        if path.startswith("/v1/payment_intents/") and path.endswith("/cancel"):
            return {"id": path.split("/")[3], "object": "payment_intent", "status": "canceled"}
        if path == "/v1/refunds":
            return {
                "id": f"re_{form.get('metadata[refund_id]', '1')}",
                "object": "refund",
                "amount": int(form["amount"]),
                "status": "succeeded",
                "payment_intent": form.get("payment_intent"),
            }
        return {"error": {"type": "invalid_request_error", "message": f"No such path {path}"}}


CARD_DECLINED = {
    "error": {
        "type": "card_error",
        "code": "card_declined",
        "decline_code": "generic_decline",
        "message": "Your card was declined.",
    }
}
SERVER_ERROR = {"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}}
