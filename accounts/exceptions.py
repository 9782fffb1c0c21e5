"""Account refusals with stable codes; ``shop.api.exception_handler`` turns them into HTTP."""

from shop.exceptions import BusinessRuleViolation, InvalidInput, TooManyRequests


class EmailTaken(InvalidInput):
    code = "email_taken"
    default_detail = "An account with this email address already exists."


class InvalidCredentials(InvalidInput):
    code = "invalid_credentials"
    default_detail = "The email address or the password is wrong."


class InvalidPassword(InvalidInput):
    code = "invalid_password"


class AccountLocked(TooManyRequests):
    code = "account_locked"
    default_detail = "Too many failed logins: this account is locked for a while. Try again later."


class InvalidToken(InvalidInput):
    code = "invalid_token"
    default_detail = "This link is not valid or has expired."


class EmailAlreadyVerified(BusinessRuleViolation):
    code = "email_already_verified"
    default_detail = "This email address is already verified."


class AccountIsStaff(BusinessRuleViolation):
    code = "account_is_staff"
    default_detail = (
        "A staff account cannot be erased: an administrator first removes its staff rights, then erases it."
    )


class AccountAlreadyErased(BusinessRuleViolation):
    code = "account_already_erased"
    default_detail = "This account is already erased."


class ErasureBlocked(BusinessRuleViolation):
    """Orders or requests still under way need the customer's name and address: they must end first."""

    code = "erasure_blocked"

    def __init__(self, *, orders: list[str], return_requests: list[int]):
        parts = []
        if orders:
            parts.append(f"orders {', '.join(orders)} are still under way (cancel them or wait for delivery)")
        if return_requests:
            numbers = ", ".join(str(pk) for pk in return_requests)
            parts.append(f"return requests {numbers} are still open")
        super().__init__(
            "Nothing was erased: " + "; ".join(parts) + ". We need your name and address until they end.",
            orders=orders,
            return_requests=return_requests,
        )
