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
