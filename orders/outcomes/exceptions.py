"""Follow-up refusals with stable codes; ``shop.api.exception_handler`` maps them to HTTP."""

from shop.exceptions import InvalidInput, NotFound


class FollowUpNotFound(NotFound):
    code = "followup_not_found"
    default_detail = "We could not find that follow-up."


class FollowUpTokenInvalid(InvalidInput):
    code = "invalid_token"
    default_detail = "This link is not valid or has expired: answer from your account instead."
